// Container lifecycle operations shared by the commands: create, find,
// start (spawning the monitor), stop, kill, wait and remove, with Docker's
// rules and messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/fd.h"
#include "base/result.h"
#include "container/container.h"
#include "container/state.h"
#include "store/store.h"

namespace berth::container {

// The container with exactly this id; NotFound "No such container: <id>".
Result<Container> LoadContainer(const store::Store& store, std::string_view id);
// Docker's lookup: a full id, an exact name (a leading '/' allowed), else a
// unique id prefix. NotFound "No such container: X"; InvalidArgument
// "multiple IDs found with provided prefix: X".
Result<Container> FindContainer(const store::Store& store, std::string_view ref);
// Every container, newest first (docker ps order).
Result<std::vector<Container>> ListContainers(const store::Store& store);

// Records a new container: c's id, created time and chain id are filled in
// here; an empty name is generated. Conflict with Docker's message when the
// name is taken; NotFound when the image vanished meanwhile.
Result<Container> CreateContainer(store::Store& store, Container c);

// Starts c's monitor (berth itself, detached, in its own session) and waits
// until the container runs. Returns the socket to the monitor (attach.h);
// close it to detach. A start failure is kConflict with the
// monitor's message, and *status Docker's exit status for it (125-127).
// Starting a running container is FailedPrecondition "is already running"...
// callers check State first.
Result<UniqueFd> StartContainer(const store::Store& store, const Container& c, int* status);

// Sends signal to the container. FailedPrecondition "Container <id> is not
// running" when it is not.
Status KillContainer(const store::Store& store, const Container& c, int signal);
// Docker's stop: the stop signal (--signal, the image's StopSignal, else
// SIGTERM), then SIGKILL after timeout_s seconds (negative: wait forever).
// A container that is not running is left as it is (Ok).
Status StopContainer(const store::Store& store, const Container& c, int timeout_s);
// Blocks until c's monitor is gone; returns the state then.
Result<State> WaitContainer(const store::Store& store, const Container& c);

// Docker's rm: a running container needs force (then it is killed first);
// FailedPrecondition "You cannot remove a running container <id>. Stop the
// container before attempting removal or force remove".
Status RemoveContainer(store::Store& store, const Container& c, bool force);
// Deletes the row and moves the directory to the trash (freed in the
// background). For a container whose monitor is gone.
Status RemoveContainerNow(store::Store& store, const Container& c);

// Signal names and numbers as docker kill/stop take them: "KILL",
// "SIGKILL", "9". InvalidArgument "Invalid signal: X".
Result<int> ParseSignal(std::string_view s);

}  // namespace berth::container
