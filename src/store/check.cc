// `system check` and `system check --repair`: what the store records is
// compared with what it holds, and what is damaged is named with what it
// makes unusable. Repair deletes rows only, in one transaction (images and
// their tags, containers, the damaged blob and snapshot rows); the files
// they leave without a row are what garbage collection already moves to the
// trash, so a repair killed at any moment leaves a store GC finishes.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <set>

#include "base/fd.h"
#include "base/file.h"
#include "digest/digest.h"
#include "store/store.h"

namespace berth::store {
namespace {

// The digest of the file at path.
Result<Digest> HashFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError("open " + path);
  Sha256 h;
  std::vector<char> buf(1 << 20);
  ssize_t n;
  while ((n = ::read(fd.get(), buf.data(), buf.size())) > 0) h.Update(std::string_view(buf.data(), static_cast<size_t>(n)));
  if (n < 0) return ErrnoError("read " + path);
  return h.Finish();
}

class Checker {
 public:
  Checker(Metadata& m, ContentStore& c, Snapshots& s, const std::string& root, const CheckOptions& o)
      : meta_(m), content_(c), snaps_(s), root_(root), o_(o) {}

  Result<CheckReport> Run() {
    report_.problems = TRY(meta_.QuickCheck());
    report_.database_damaged = !report_.problems.empty();
    TRY(Blobs());
    TRY(SnapshotRows());
    TRY(Images());
    TRY(Containers());
    return std::move(report_);
  }

 private:
  static std::string Tag(Damage::Kind kind, const std::string& key) {
    return std::to_string(static_cast<int>(kind)) + ":" + key;
  }
  bool IsBad(Damage::Kind kind, const std::string& key) const { return damaged_.count(Tag(kind, key)) > 0; }

  // Records a problem; an object already found damaged gets no second line.
  void Bad(Damage::Kind kind, const std::string& key, const std::string& problem) {
    if (!damaged_.insert(Tag(kind, key)).second) return;
    report_.problems.push_back(problem);
    report_.damage.push_back(Damage{kind, key});
  }

  Status Blobs() {
    for (const BlobRecord& b : TRY(meta_.ListBlobs())) {
      std::string who = "blob " + b.digest.str();
      std::string path = content_.Path(b.digest);
      struct stat st;
      if (::stat(path.c_str(), &st) != 0) {
        Bad(Damage::Kind::kBlob, b.digest.str(), who + ": file " + path + " is missing");
      } else if (st.st_size != b.size) {
        Bad(Damage::Kind::kBlob, b.digest.str(),
            who + ": file is " + std::to_string(st.st_size) + " bytes, recorded " + std::to_string(b.size));
      } else if (!o_.quick) {
        auto got = HashFile(path);
        if (!got.ok()) {
          Bad(Damage::Kind::kBlob, b.digest.str(), who + ": " + got.error().message);
        } else if (*got != b.digest) {
          Bad(Damage::Kind::kBlob, b.digest.str(), who + ": content hashes to " + got->str());
        }
      }
    }
    return Ok();
  }

  Status SnapshotRows() {
    for (const SnapshotInfo& s : TRY(snaps_.List())) {
      std::string who = "snapshot " + s.chain_id.str();
      if (!PathExists(s.dir)) {
        Bad(Damage::Kind::kSnapshot, s.chain_id.str(), who + ": directory " + s.dir + " is missing");
      }
      if (s.parent && !TRY(snaps_.Get(*s.parent))) {
        Bad(Damage::Kind::kSnapshot, s.chain_id.str(), who + ": parent " + s.parent->str() + " is missing");
      } else if (s.parent && IsBad(Damage::Kind::kSnapshot, s.parent->str())) {
        Bad(Damage::Kind::kSnapshot, s.chain_id.str(), who + ": parent " + s.parent->Short() + " is damaged");
      }
    }
    return Ok();
  }

  Status Images() {
    for (const ImageRecord& img : TRY(meta_.ListImages())) {
      std::string who = "image " + img.id.Short();
      auto need_blob = [&](const Digest& d, const std::string& role) {
        if (!content_.Has(d)) {
          Bad(Damage::Kind::kImage, img.id.str(), who + ": " + role + " blob " + d.str() + " is missing");
        } else if (IsBad(Damage::Kind::kBlob, d.str())) {
          Bad(Damage::Kind::kImage, img.id.str(), who + ": " + role + " blob " + d.Short() + " is damaged");
        }
      };
      need_blob(img.id, "config");
      if (img.manifest_digest) need_blob(*img.manifest_digest, "manifest");
      for (size_t i = 0; i < img.layers.size(); i++) {
        const LayerRecord& l = img.layers[i];
        std::string layer = "layer " + std::to_string(i + 1);
        need_blob(l.blob, layer);
        auto snap = TRY(snaps_.Get(l.chain_id));
        if (!snap) {
          Bad(Damage::Kind::kImage, img.id.str(), who + ": " + layer + " snapshot " + l.chain_id.str() + " is missing");
        } else if (IsBad(Damage::Kind::kSnapshot, l.chain_id.str())) {
          Bad(Damage::Kind::kImage, img.id.str(), who + ": " + layer + " snapshot " + l.chain_id.Short() + " is damaged");
        } else if (snap->diff_id != l.diff_id) {
          Bad(Damage::Kind::kImage, img.id.str(),
              who + ": " + layer + " snapshot holds diff " + snap->diff_id.str() + ", the layer is " + l.diff_id.str());
        }
      }
    }
    return Ok();
  }

  Status Containers() {
    for (const ContainerRecord& c : TRY(meta_.ListContainers())) {
      std::string who = "container " + c.id.substr(0, 12);
      if (c.chain_id && !TRY(snaps_.Get(*c.chain_id))) {
        Bad(Damage::Kind::kContainer, c.id, who + ": snapshot " + c.chain_id->str() + " is missing");
      }
      if (!TRY(meta_.GetImage(c.image_id))) {
        Bad(Damage::Kind::kContainer, c.id, who + ": image " + c.image_id.str() + " is missing");
      } else if (IsBad(Damage::Kind::kImage, c.image_id.str())) {
        Bad(Damage::Kind::kContainer, c.id, who + ": image " + c.image_id.Short() + " is damaged");
      }
      // A container's dir is renamed in with its row and moved out after it.
      if (!PathExists(JoinPath(JoinPath(root_, "containers"), c.id))) {
        Bad(Damage::Kind::kContainer, c.id, who + ": its directory is missing");
      }
    }
    return Ok();
  }

  Metadata& meta_;
  ContentStore& content_;
  Snapshots& snaps_;
  const std::string& root_;
  const CheckOptions& o_;
  CheckReport report_;
  std::set<std::string> damaged_;  // Tag()s of report_.damage
};

}  // namespace

Result<CheckReport> Store::Check(const CheckOptions& options) {
  CheckReport report = TRY(Checker(*metadata_, content_, snapshots_, root_, options).Run());
  report.garbage = TRY(CollectGarbage({.dry_run = true}));
  report.reclaimable_bytes = report.garbage.bytes_reclaimed + report.garbage.trash_bytes;
  return report;
}

Result<std::vector<std::string>> Store::Repair(const CheckReport& report) {
  std::vector<std::string> done;
  TRY(metadata_->Transaction([&]() -> Status {
    done.clear();
    for (Damage::Kind kind : {Damage::Kind::kContainer, Damage::Kind::kImage, Damage::Kind::kSnapshot,
                              Damage::Kind::kBlob}) {  // what refers to a row goes before it
    for (const Damage& d : report.damage) {
      if (d.kind != kind) continue;
      Digest digest = d.kind == Damage::Kind::kContainer ? Digest{} : TRY(Digest::Parse(d.key));
      switch (d.kind) {
        case Damage::Kind::kContainer:
          TRY(metadata_->DeleteContainer(d.key));
          done.push_back("removed container " + d.key.substr(0, 12));
          break;
        case Damage::Kind::kImage: {
          std::string names;
          for (const TagRecord& t : TRY(metadata_->TagsOf(digest))) names += (names.empty() ? " (" : ", ") + t.name;
          TRY(metadata_->DeleteImage(digest));
          done.push_back("removed image " + digest.str() + (names.empty() ? "" : names + ")"));
          break;
        }
        case Damage::Kind::kBlob:
          TRY(metadata_->DeleteBlob(digest));
          done.push_back("removed damaged blob " + digest.str());
          break;
        case Damage::Kind::kSnapshot:
          TRY(metadata_->DeleteSnapshot(digest));
          done.push_back("removed damaged snapshot " + digest.str());
          break;
      }
    }
    }
    return Ok();
  }));
  GcStats gc = TRY(CollectGarbage());
  for (const std::string& e : gc.errors) done.push_back("not yet removed (the next collection retries): " + e);
  return done;
}

}  // namespace berth::store
