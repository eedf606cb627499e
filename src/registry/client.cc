// The distribution API over libcurl. Every request goes through
// Registry::Do, which is where authentication (a 401 teaches the scheme and
// triggers one token refresh), retries with backoff (connection failures,
// 408/429/5xx: Docker retries 5 times too) and the http fallback for
// insecure endpoints live, so the operations below are plain requests.
#include "registry/client.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "base/interrupt.h"
#include "base/strings.h"
#include "net/http_reader.h"
#include "oci/manifest.h"
#include "oci/media_types.h"
#include "registry/errors.h"

namespace berth::registry {

namespace {

constexpr const char* kManifestAccept =
    "Accept: application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

int64_t EnvInt(const char* name, int64_t def) {
  const char* v = getenv(name);
  if (!v || !*v) return def;
  auto n = ParseInt(v);
  return n && *n >= 0 ? *n : def;
}

// Resolves a Location header against base ("/v2/..." or a full URL).
std::string ResolveLocation(const std::string& base, std::string_view loc) {
  if (net::IsUrl(loc)) return std::string(loc);
  size_t scheme = base.find("://");
  size_t path = base.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  std::string origin = path == std::string::npos ? base : base.substr(0, path);
  return origin + (loc.starts_with("/") ? "" : "/") + std::string(loc);
}

// A blob body that reopens itself with a Range request when the transfer
// breaks, so a registry restart mid-download costs a retry, not the pull.
class ResumingReader : public Reader {
 public:
  ResumingReader(Registry& r, std::string path, std::string scope, int64_t offset, int64_t size)
      : r_(r), path_(std::move(path)), scope_(std::move(scope)), pos_(offset), size_(size) {}

  Status Open() {
    for (int attempt = 0;; attempt++) {
      auto auth = TRY(r_.auth().HeaderFor(scope_));
      net::HttpOptions opts{.offset = pos_, .max_body_size = size_ < 0 ? -1 : size_ - pos_,
                            .tls = r_.endpoint().tls};
      if (auth) opts.headers.push_back(*auth);
      cur_ = TRY(net::OpenHttp(r_.base() + path_, opts));
      Status st = cur_->Start();
      if (st.ok()) return Ok();
      long status = cur_->status();
      if (status == 401 && attempt < 3 &&
          r_.auth().OnUnauthorized(scope_, cur_->Header("www-authenticate").value_or(""))) {
        continue;
      }
      if (status == 416 && pos_ > 0) {
        return MakeError(Code::kDataLoss, "Get " + Quote(r_.base() + path_) + ": the blob ends before byte " +
                                              std::to_string(pos_) + (size_ >= 0 ? " of the " + std::to_string(size_) +
                                                                                       " the manifest gives it"
                                                                                 : std::string()) +
                                              " (HTTP status 416)");
      }
      bool transient = st.error().code == Code::kUnavailable && (status == 0 || IsTransientStatus(status));
      if (!transient || attempt + 1 >= r_.options().attempts) return st;
      TRY(r_.Backoff(attempt));
    }
  }

  Result<size_t> Read(std::span<std::byte> buf) override {
    for (int attempt = 0;; attempt++) {
      if (!cur_) TRY(Open());
      auto n = cur_->Read(buf);
      if (n.ok()) {
        pos_ += static_cast<int64_t>(*n);
        if (*n == 0 && size_ >= 0 && pos_ < size_) {
          n = MakeError(Code::kUnavailable, "Get " + Quote(r_.base() + path_) + ": body ended early");
        } else {
          return n;
        }
      }
      if (n.error().code != Code::kUnavailable || attempt + 1 >= r_.options().attempts) return n.error();
      cur_.reset();
      TRY(r_.Backoff(attempt));
    }
  }

 private:
  Registry& r_;
  std::string path_, scope_;
  int64_t pos_, size_;
  std::unique_ptr<net::HttpReader> cur_;
};

}  // namespace

ClientOptions ClientOptionsFromEnv() {
  ClientOptions o;
  o.retry_delay_ms = EnvInt("BERTH_REGISTRY_RETRY_DELAY_MS", o.retry_delay_ms);
  o.attempts = static_cast<int>(std::max<int64_t>(1, EnvInt("BERTH_REGISTRY_ATTEMPTS", o.attempts)));
  return o;
}

Registry::Registry(Endpoint endpoint, ClientOptions options, Credentials credentials)
    : endpoint_(std::move(endpoint)),
      options_(std::move(options)),
      base_(endpoint_.url),
      auth_(std::move(credentials), endpoint_.tls) {}

Result<std::unique_ptr<Registry>> Registry::Open(const Endpoint& endpoint, const ClientOptions& options) {
  Credentials creds;
  if (options.credentials) creds = TRY(options.credentials(endpoint.mirror ? endpoint.host : endpoint.domain));
  std::unique_ptr<Registry> r(new Registry(endpoint, options, std::move(creds)));
  net::Failure failure = net::Failure::kNone;
  auto resp = r->Ping(&failure);
  if (!resp.ok() && endpoint.insecure && r->base_.starts_with("https://") &&
      failure != net::Failure::kNone && resp.error().code != Code::kCancelled) {
    std::string https_error = resp.error().message;
    r->base_ = "http://" + r->base_.substr(8);
    resp = r->Ping(&failure);
    if (!resp.ok()) {
      return MakeError(resp.error().code, https_error + "; over http: " + resp.error().message);
    }
    if (resp->status == 400) {
      // No registry over http either (an https-only server answers 400):
      // the https failure, a certificate refused, is the story.
      return MakeError(Code::kUnavailable,
                       https_error + "; over http: " + ErrorFromResponse(*resp, "").message);
    }
  }
  if (!resp.ok()) return resp.error();
  if (resp->status == 401) {
    r->auth_.OnUnauthorized("", resp->Header("www-authenticate").value_or(""));
  } else if (!resp->ok() && resp->status != 404) {
    // 404 on /v2/ is tolerated: some mirrors and proxies do not answer the ping.
    return ErrorFromResponse(*resp, "GET " + Quote(r->base_ + "/v2/"));
  }
  return r;
}

Result<net::Response> Registry::Ping(net::Failure* failure) {
  for (int attempt = 0;; attempt++) {
    auto resp = Once({.url = "/v2/"}, "", failure);
    // A connection that broke after it was made (reset, cut short) and a
    // transient status (429, 5xx) are worth another try, as in Do(); a
    // refused connection, an unknown host or a TLS failure is an answer (and
    // the caller may fall back to http, or a mirror to the registry, at once).
    bool again = resp.ok() ? IsTransientStatus(resp->status) : *failure == net::Failure::kOther;
    if (!again || attempt + 1 >= options_.attempts) return resp;
    TRY(Backoff(attempt));
  }
}

Result<net::Response> Registry::Once(const net::Request& req, const std::string& scope, net::Failure* failure) {
  net::Request r = req;
  r.url = base_ + req.url;
  r.tls = endpoint_.tls;
  if (auto h = TRY(auth_.HeaderFor(scope))) r.headers.push_back(*h);
  return net::Exchange(r, failure);
}

Status Registry::Backoff(int attempt) const {
  int64_t ms = options_.retry_delay_ms << std::min(attempt, 6);
  for (int64_t t = 0; t < ms; t += 20) {
    TRY(CheckInterrupted());
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(20, ms - t)));
  }
  return CheckInterrupted();
}

Result<net::Response> Registry::Do(net::Request req, const std::string& scope) {
  int auth_tries = 0;
  for (int attempt = 0;; attempt++) {
    net::Failure failure = net::Failure::kNone;
    auto resp = Once(req, scope, &failure);
    bool last = attempt + 1 >= options_.attempts || req.body_reader != nullptr;
    if (!resp.ok()) {
      if (failure == net::Failure::kNone || failure == net::Failure::kTls || last) return resp.error();
      TRY(Backoff(attempt));
      continue;
    }
    if (resp->status == 401 && auth_tries++ < 3 &&
        auth_.OnUnauthorized(scope, resp->Header("www-authenticate").value_or(""))) {
      attempt--;  // not a failure of the registry
      continue;
    }
    if (IsTransientStatus(resp->status) && !last) {
      TRY(Backoff(attempt));
      continue;
    }
    return resp;
  }
}

Result<std::unique_ptr<Reader>> Registry::OpenStream(const std::string& path, const std::string& scope,
                                                     int64_t offset, int64_t expected_size) {
  auto r = std::make_unique<ResumingReader>(*this, path, scope, offset, expected_size);
  TRY(r->Open());
  return std::unique_ptr<Reader>(std::move(r));
}

Result<std::vector<std::string>> ListTags(const RegistryConfig& config, const ClientOptions& options,
                                          const Reference& ref) {
  auto reg = TRY(Registry::Open(TRY(RegistryEndpoint(config, ref.domain)), options));
  return Repository(*reg, ref.path, "pull").Tags();
}

Status CheckLogin(const Endpoint& endpoint, const Credentials& credentials, const ClientOptions& options) {
  ClientOptions o = options;
  o.credentials = [credentials](std::string_view) -> Result<Credentials> { return credentials; };
  auto reg = TRY(Registry::Open(endpoint, o));
  auto resp = TRY(reg->Do({.url = "/v2/"}, ""));
  if (resp.ok()) return Ok();
  return ErrorFromResponse(resp, "login attempt to " + reg->base() + "/v2/ failed");
}

Repository::Repository(Registry& registry, std::string name, std::string_view actions)
    : registry_(registry), name_(std::move(name)), scope_(RepositoryScope(name_, actions)) {}

Result<FetchedManifest> Repository::GetManifest(std::string_view reference) {
  net::Request req{.url = "/v2/" + name_ + "/manifests/" + std::string(reference),
                   .headers = {kManifestAccept}, .max_response = kMaxManifestBytes};
  auto resp = registry_.Do(req, scope_);
  if (!resp.ok()) {
    if (resp.error().code == Code::kInvalidArgument) {
      return MakeError(Code::kInvalidArgument, "manifest exceeds the limit of 4 MiB");
    }
    return resp.error();
  }
  if (!resp->ok()) return ErrorFromResponse(*resp, "");
  FetchedManifest m{.media_type = std::string(resp->Header("content-type").value_or("")),
                    .bytes = std::move(resp->body), .digest = {}};
  m.media_type = std::string(Trim(m.media_type.substr(0, m.media_type.find(';'))));
  m.digest = Digest::Of(m.bytes);
  auto asked = Digest::Parse(reference);
  if (asked.ok() && *asked != m.digest) {
    return MakeError(Code::kDataLoss, "manifest digest mismatch: asked for " + asked->str() +
                                          ", content is " + m.digest.str());
  }
  if (auto sent = resp->Header("docker-content-digest"); sent && !asked.ok()) {
    auto d = Digest::Parse(*sent);
    if (d.ok() && *d != m.digest) {
      return MakeError(Code::kDataLoss, "manifest digest mismatch: the registry says " + d->str() +
                                            ", content is " + m.digest.str());
    }
  }
  if (m.media_type.empty() || m.media_type == "application/json" || m.media_type == "text/plain") {
    m.media_type = DetectMediaType(m.bytes);
  } else {
    TRY(CheckDeclaredMediaType(m.media_type, m.bytes));
  }
  if (m.media_type == kDockerManifestSchema1 || m.media_type == kDockerManifestSchema1Signed) {
    return MakeError(Code::kUnimplemented,
                     "image manifest schema 1 (" + m.media_type + ") is not supported; "
                     "push the image again with a current client to convert it to schema 2");
  }
  return m;
}

Result<std::unique_ptr<Reader>> Repository::OpenBlob(const Digest& digest, int64_t offset, int64_t size) {
  return registry_.OpenStream("/v2/" + name_ + "/blobs/" + digest.str(), scope_, offset, size);
}

Result<std::string> Repository::ReadBlob(const Digest& digest) {
  auto r = TRY(OpenBlob(digest, 0, -1));
  std::string data = TRY(ReadAll(*r, kMaxManifestBytes + 1));
  if (static_cast<int64_t>(data.size()) > kMaxManifestBytes) {
    return MakeError(Code::kInvalidArgument, "blob " + digest.str() + " exceeds the limit of 4 MiB");
  }
  Digest got = Digest::Of(data);
  if (got != digest) {
    return MakeError(Code::kDataLoss, "digest mismatch: expected " + digest.str() + ", got " + got.str());
  }
  return data;
}

Result<std::optional<int64_t>> Repository::StatBlob(const Digest& digest) {
  auto resp = TRY(registry_.Do({.method = "HEAD", .url = "/v2/" + name_ + "/blobs/" + digest.str()}, scope_));
  if (resp.status == 404) return std::optional<int64_t>();
  if (!resp.ok()) return ErrorFromResponse(resp, "HEAD blob " + digest.str());
  auto len = ParseInt(resp.Header("content-length").value_or(""));
  return std::optional<int64_t>(len.value_or(-1));
}

Result<bool> Repository::MountBlob(const Digest& digest, std::string_view from) {
  std::string scope = scope_ + " " + RepositoryScope(from, "pull");
  auto resp = TRY(registry_.Do({.method = "POST", .url = "/v2/" + name_ + "/blobs/uploads/?mount=" +
                                                       digest.str() + "&from=" + std::string(from)},
                               scope));
  if (resp.status == 201) return true;
  if (resp.status == 202) {
    // The registry started an upload instead: cancel it, best effort.
    if (auto loc = resp.Header("location")) {
      std::string url = ResolveLocation(registry_.base(), *loc);
      if (url.starts_with(registry_.base())) {
        (void)registry_.Do({.method = "DELETE", .url = url.substr(registry_.base().size())}, scope_);
      }
    }
    return false;
  }
  if (resp.ok()) return false;
  return ErrorFromResponse(resp, "mount " + digest.str());
}

Status Repository::PushBlob(const Digest& digest, int64_t size, Reader& data,
                            const std::function<void(int64_t)>& on_progress) {
  auto start = TRY(registry_.Do({.method = "POST", .url = "/v2/" + name_ + "/blobs/uploads/"}, scope_));
  if (start.status != 202) return ErrorFromResponse(start, "starting the upload of " + digest.str());
  auto loc = start.Header("location");
  if (!loc) return MakeError(Code::kInvalidArgument, "the registry started an upload without a Location");
  std::string url = ResolveLocation(registry_.base(), *loc);
  url += (url.find('?') == std::string::npos ? "?" : "&");
  url += "digest=" + digest.str();
  if (!url.starts_with(registry_.base() + "/")) {
    return MakeError(Code::kInvalidArgument, "the registry's upload location " + Quote(*loc) +
                                                 " is on another host");
  }
  net::Request put{.method = "PUT", .url = url.substr(registry_.base().size()),
                   .headers = {"Content-Type: application/octet-stream"},
                   .body_reader = &data, .body_size = size, .on_upload = on_progress};
  auto done = TRY(registry_.Do(put, scope_));
  if (done.status != 201 && !done.ok()) return ErrorFromResponse(done, "uploading " + digest.str());
  return Ok();
}

Result<Digest> Repository::PutManifest(std::string_view reference, std::string_view media_type,
                                       std::string_view bytes) {
  net::Request req{.method = "PUT", .url = "/v2/" + name_ + "/manifests/" + std::string(reference),
                   .headers = {"Content-Type: " + std::string(media_type)}, .body = std::string(bytes)};
  auto resp = TRY(registry_.Do(req, scope_));
  if (!resp.ok()) return ErrorFromResponse(resp, "");
  Digest local = Digest::Of(bytes);
  if (auto sent = resp.Header("docker-content-digest")) {
    auto d = Digest::Parse(*sent);
    if (d.ok() && *d != local) {
      return MakeError(Code::kDataLoss, "the registry stored the manifest as " + d->str() +
                                            ", expected " + local.str());
    }
  }
  return local;
}

Result<std::vector<std::string>> Repository::Tags() {
  std::vector<std::string> tags;
  std::string path = "/v2/" + name_ + "/tags/list";
  for (int page = 0; page < 1000 && !path.empty(); page++) {
    auto resp = TRY(registry_.Do({.url = path, .max_response = kMaxManifestBytes}, scope_));
    if (!resp.ok()) return ErrorFromResponse(resp, "listing the tags of " + name_);
    auto j = nlohmann::json::parse(resp.body, nullptr, false);
    if (!j.is_object()) return MakeError(Code::kInvalidArgument, "listing the tags of " + name_ + ": not JSON");
    if (j.contains("tags") && j["tags"].is_array()) {
      for (const auto& t : j["tags"]) {
        if (t.is_string()) tags.push_back(t.get<std::string>());
      }
    }
    path.clear();
    if (auto link = resp.Header("link")) {  // </v2/x/tags/list?n=100&last=b>; rel="next"
      size_t a = link->find('<'), b = link->find('>');
      if (a != std::string_view::npos && b != std::string_view::npos && b > a) {
        std::string next(link->substr(a + 1, b - a - 1));
        if (next.starts_with("/v2/")) path = next;
      }
    }
  }
  return tags;
}

}  // namespace berth::registry
