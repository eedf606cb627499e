// Db and Stmt: a thin RAII layer over the SQLite C API that reports failures
// as Result errors. Only the store's metadata uses it.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "digest/digest.h"

namespace berth::store {

// Maps a SQLite result code to a berth Error: BUSY/LOCKED -> Unavailable,
// CONSTRAINT -> Conflict, READONLY/PERM/AUTH -> PermissionDenied,
// CORRUPT/NOTADB -> DataLoss, CANTOPEN -> NotFound, anything else -> Internal.
Error SqliteError(sqlite3* db, int rc, std::string_view what);

// A prepared statement. Bind errors are remembered and reported by the next
// Step()/Run() so call sites can chain binds.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Stmt(Stmt&& o) noexcept;
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  ~Stmt();

  // Parameters are 1-based, as in SQLite.
  Stmt& Bind(int index, std::string_view text);
  Stmt& Bind(int index, int64_t value);
  Stmt& Bind(int index, const Digest& digest);  // its "sha256:..." string
  Stmt& BindNull(int index);

  // Advances: true when a row is available, false when done.
  Result<bool> Step();
  // Steps until done, ignoring rows (INSERT/UPDATE/DELETE).
  Status Run();
  // Rewinds the statement for another run with new bindings.
  Status Reset();

  // Column accessors for the current row (0-based).
  std::string Text(int col) const;
  int64_t Int(int col) const;
  bool IsNull(int col) const;
  // Parses a "sha256:..." column; DataLoss when the stored value is not a digest.
  Result<Digest> DigestAt(int col) const;
  // As DigestAt, but NULL or "" yields nullopt.
  Result<std::optional<Digest>> OptionalDigestAt(int col) const;

 private:
  void NoteBind(int rc);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

// One SQLite connection. Not thread-safe by itself: Metadata serialises use.
class Db {
 public:
  Db() = default;
  Db(Db&& o) noexcept;
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  ~Db();

  // Opens (read_only: without creating) the database at path.
  static Result<Db> Open(const std::string& path, bool read_only);

  // Prepares one statement; Internal with SQLite's message on syntax errors.
  Result<Stmt> Prepare(std::string_view sql);
  // Runs one or more statements without results (schema, pragmas, BEGIN/COMMIT).
  Status Exec(const std::string& sql);
  // Runs a query returning one integer (e.g. PRAGMA user_version).
  Result<int64_t> QueryInt(std::string_view sql);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t Changes() const;

  sqlite3* get() const { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

}  // namespace berth::store
