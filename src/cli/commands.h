// The command table: one entry per `berth <command>`, each implemented in
// its own cmd_<name>.cc.
#pragma once

#include <span>

#include "cli/context.h"
#include "reference/reference.h"

namespace berth::cli {

int CmdHistory(Context& ctx, const std::vector<std::string>& args);
int CmdImages(Context& ctx, const std::vector<std::string>& args);
int CmdImport(Context& ctx, const std::vector<std::string>& args);
int CmdInspect(Context& ctx, const std::vector<std::string>& args);
int CmdImageInspect(Context& ctx, const std::vector<std::string>& args);
int CmdContainerInspect(Context& ctx, const std::vector<std::string>& args);
int CmdLoad(Context& ctx, const std::vector<std::string>& args);
int CmdRmi(Context& ctx, const std::vector<std::string>& args);
int CmdLogin(Context& ctx, const std::vector<std::string>& args);
int CmdLogout(Context& ctx, const std::vector<std::string>& args);
int CmdPull(Context& ctx, const std::vector<std::string>& args);
int CmdPush(Context& ctx, const std::vector<std::string>& args);
int CmdPrune(Context& ctx, const std::vector<std::string>& args);
int CmdSearch(Context& ctx, const std::vector<std::string>& args);
int CmdSave(Context& ctx, const std::vector<std::string>& args);
int CmdSystem(Context& ctx, const std::vector<std::string>& args);
int CmdSystemDf(Context& ctx, const std::vector<std::string>& args);
int CmdSystemPrune(Context& ctx, const std::vector<std::string>& args);
int CmdTag(Context& ctx, const std::vector<std::string>& args);
int CmdVersion(Context& ctx, const std::vector<std::string>& args);

int CmdRun(Context& ctx, const std::vector<std::string>& args);
int CmdCreate(Context& ctx, const std::vector<std::string>& args);
int CmdStart(Context& ctx, const std::vector<std::string>& args);
int CmdStop(Context& ctx, const std::vector<std::string>& args);
int CmdKill(Context& ctx, const std::vector<std::string>& args);
int CmdRestart(Context& ctx, const std::vector<std::string>& args);
int CmdWait(Context& ctx, const std::vector<std::string>& args);
int CmdRm(Context& ctx, const std::vector<std::string>& args);
int CmdPs(Context& ctx, const std::vector<std::string>& args);
int CmdLogs(Context& ctx, const std::vector<std::string>& args);
int CmdExec(Context& ctx, const std::vector<std::string>& args);
int CmdCp(Context& ctx, const std::vector<std::string>& args);
int CmdExport(Context& ctx, const std::vector<std::string>& args);
int CmdTop(Context& ctx, const std::vector<std::string>& args);
int CmdCommit(Context& ctx, const std::vector<std::string>& args);
int CmdBuild(Context& ctx, const std::vector<std::string>& args);
int CmdDiff(Context& ctx, const std::vector<std::string>& args);
int CmdRename(Context& ctx, const std::vector<std::string>& args);
int CmdContainerPrune(Context& ctx, const std::vector<std::string>& args);

// Pulls ref for `run`/`create` (progress and status on stderr, as docker's
// run prints them); returns 0 or the failure's exit status.
int PullForRun(Context& ctx, const Reference& ref, const std::string& platform);

// Top-level commands in help order.
std::span<const CommandInfo> TopLevelCommands();
// `berth image <sub>` subcommands, aliases included (ls/list, rm/remove).
std::span<const CommandInfo> ImageCommands();

}  // namespace berth::cli
