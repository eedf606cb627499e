// The store's only door to SQLite. Keeps raw sqlite3 handles and result
// codes out of the metadata code, and turns every failure into an Error whose
// code callers can branch on (busy -> Unavailable, corrupt -> DataLoss, ...).
#include "store/sqlite.h"

#include <utility>

namespace berth::store {

Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  Code code = Code::kInternal;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      code = Code::kUnavailable;
      break;
    case SQLITE_CONSTRAINT:
      code = Code::kConflict;
      break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      code = Code::kPermissionDenied;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = Code::kDataLoss;
      break;
    case SQLITE_CANTOPEN:
      code = Code::kNotFound;
      break;
    default:
      break;
  }
  std::string msg(what);
  msg += ": ";
  msg += (db != nullptr && sqlite3_errcode(db) == rc) ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return MakeError(code, std::move(msg));
}

Stmt::Stmt(Stmt&& o) noexcept
    : db_(o.db_), stmt_(std::exchange(o.stmt_, nullptr)), bind_rc_(o.bind_rc_) {}

Stmt::~Stmt() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

void Stmt::NoteBind(int rc) {
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

Stmt& Stmt::Bind(int index, std::string_view text) {
  NoteBind(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                             SQLITE_TRANSIENT));
  return *this;
}

Stmt& Stmt::Bind(int index, int64_t value) {
  NoteBind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Stmt& Stmt::Bind(int index, const Digest& digest) { return Bind(index, digest.str()); }

Stmt& Stmt::BindNull(int index) {
  NoteBind(sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> Stmt::Step() {
  if (bind_rc_ != SQLITE_OK) return SqliteError(db_, bind_rc_, "sqlite bind");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // Extended codes (e.g. SQLITE_CONSTRAINT_FOREIGNKEY) come from the handle.
  return SqliteError(db_, sqlite3_extended_errcode(db_), "sqlite step");
}

Status Stmt::Run() {
  while (TRY(Step())) {
  }
  return Ok();
}

Status Stmt::Reset() {
  bind_rc_ = SQLITE_OK;
  sqlite3_reset(stmt_);  // returns the last step's error, already reported
  int rc = sqlite3_clear_bindings(stmt_);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "sqlite reset");
  return Ok();
}

std::string Stmt::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

int64_t Stmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

bool Stmt::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

Result<Digest> Stmt::DigestAt(int col) const {
  std::string s = Text(col);
  auto d = Digest::Parse(s);
  if (!d.ok()) {
    return MakeError(Code::kDataLoss, "corrupt metadata: column " +
                                          std::string(sqlite3_column_name(stmt_, col)) +
                                          " holds " + s + ", not a digest");
  }
  return std::move(d).value();
}

Result<std::optional<Digest>> Stmt::OptionalDigestAt(int col) const {
  if (IsNull(col) || Text(col).empty()) return std::optional<Digest>();
  return std::optional<Digest>(TRY(DigestAt(col)));
}

Db::Db(Db&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = std::exchange(o.db_, nullptr);
  }
  return *this;
}

Db::~Db() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Result<Db> Db::Open(const std::string& path, bool read_only) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE |
              (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Db db(raw);  // closes raw even when open failed
  if (rc != SQLITE_OK) return SqliteError(raw, rc, "open " + path);
  return db;
}

Result<Stmt> Db::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "sqlite prepare");
  return Stmt(db_, stmt);
}

Status Db::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    Error e = SqliteError(db_, sqlite3_extended_errcode(db_), "sqlite exec");
    sqlite3_free(err);
    return e;
  }
  return Ok();
}

Result<int64_t> Db::QueryInt(std::string_view sql) {
  Stmt stmt = TRY(Prepare(sql));
  if (!TRY(stmt.Step())) return MakeError(Code::kInternal, "query returned no row");
  return stmt.Int(0);
}

int64_t Db::Changes() const { return sqlite3_changes64(db_); }

}  // namespace berth::store
