#include "tests/fault/mem_env.h"

#include <algorithm>
#include <cerrno>
#include <sstream>

namespace logroute::fault {

struct MemEnv::Node {
  uint64_t inode = 0;
  bool directory = false;
  uint64_t links = 0;
  // A file: what a process reads, and what survives a power cut.
  std::string data;
  std::string synced;
  // A directory: its entries now, as of the last SyncDir(), and what changed
  // since, in order (each change is atomic: a rename is one change).
  std::map<std::string, std::shared_ptr<Node>> entries;
  std::map<std::string, std::shared_ptr<Node>> synced_entries;
  using Change = std::vector<std::pair<std::string, std::shared_ptr<Node>>>;  // null: removed
  std::vector<Change> log;
  const void* lock_holder = nullptr;
};

struct MemEnv::Lookup {
  Status error;                  // when a directory on the way is missing
  std::shared_ptr<Node> parent;  // the directory holding the last component
  std::string name;
  std::shared_ptr<Node> node;  // null when absent
};

class MemEnv::MemFile final : public File {
 public:
  MemFile(MemEnv& env, std::string path, std::shared_ptr<Node> node, bool append, bool writable)
      : File(std::move(path)),
        env_(env),
        node_(std::move(node)),
        append_(append),
        writable_(writable) {}
  ~MemFile() override { Unlock(); }

  Result<size_t> Read(char* buffer, size_t size) override {
    LOGROUTE_ASSIGN_OR_RETURN(size_t n, ReadAt(offset_, buffer, size));
    offset_ += n;
    return n;
  }

  Result<size_t> ReadAt(uint64_t offset, char* buffer, size_t size) override {
    if (env_.crashed()) return env_.Dead("read " + path());
    if (offset >= node_->data.size()) return size_t{0};
    const size_t n = std::min<size_t>(size, node_->data.size() - offset);
    std::copy_n(node_->data.data() + offset, n, buffer);
    return n;
  }

  Result<size_t> Write(std::string_view data) override {
    if (!writable_) return ErrnoStatus("cannot write " + path(), EBADF);
    size_t cut = 0;
    const bool alive = env_.Step(data, &cut);
    const size_t n = alive ? data.size() : cut;
    const uint64_t at = append_ ? node_->data.size() : offset_;
    Put(at, data.substr(0, n));
    if (!append_) offset_ = at + n;
    if (!alive) return env_.Dead("write " + path());
    return n;
  }

  Status WriteAt(uint64_t offset, std::string_view data) override {
    if (!writable_) return ErrnoStatus("cannot write " + path(), EBADF);
    if (!env_.Step()) return env_.Dead("write " + path());
    Put(offset, data);
    return Status::Ok();
  }

  Status Truncate(uint64_t size) override {
    if (!env_.Step()) return env_.Dead("truncate " + path());
    node_->data.resize(size, '\0');
    return Status::Ok();
  }

  Status Rewind() override {
    offset_ = 0;
    return Status::Ok();
  }

  Status Sync() override {
    if (!env_.Step()) return env_.Dead("sync " + path());
    node_->synced = node_->data;
    return Status::Ok();
  }

  Result<FileInfo> Stat() override {
    if (env_.crashed()) return env_.Dead("stat " + path());
    FileInfo info;
    info.size = node_->data.size();
    info.inode = node_->inode;
    info.device = 1;
    info.links = node_->links;
    info.mode = 0640;
    return info;
  }

  Status Lock() override {
    LOGROUTE_ASSIGN_OR_RETURN(bool taken, TryLock());
    if (!taken) return Status::Busy("cannot lock " + path() + ": held (one simulated thread)");
    return Status::Ok();
  }

  Result<bool> TryLock() override {
    if (env_.crashed()) return env_.Dead("lock " + path());
    if (node_->lock_holder != nullptr && node_->lock_holder != this) return false;
    node_->lock_holder = this;
    return true;
  }

  void Unlock() override {
    if (node_->lock_holder == this) node_->lock_holder = nullptr;
  }

 private:
  void Put(uint64_t at, std::string_view data) {
    if (node_->data.size() < at + data.size()) node_->data.resize(at + data.size(), '\0');
    node_->data.replace(at, data.size(), data);
  }

  MemEnv& env_;
  std::shared_ptr<Node> node_;
  bool append_;
  bool writable_;
  uint64_t offset_ = 0;
};

MemEnv::MemEnv() : root_(std::make_shared<Node>()) {
  root_->inode = 1;
  root_->directory = true;
  root_->links = 1;
  all_nodes_.push_back(root_);
}

MemEnv::~MemEnv() = default;

void MemEnv::CrashAt(uint64_t ops, std::optional<size_t> write_cut) {
  crash_at_ = ops;
  write_cut_ = write_cut;
}

bool MemEnv::Step(std::string_view write, size_t* cut) {
  if (crashed_) return false;
  const uint64_t index = ops_++;
  if (cut != nullptr) writes_[index] = std::string(write);
  if (crash_at_ && index >= *crash_at_) {
    crashed_ = true;
    if (cut != nullptr && write_cut_ && index == *crash_at_)
      *cut = std::min(*write_cut_, write.size());
    return false;
  }
  return true;
}

Status MemEnv::Dead(const std::string& what) const {
  return Status::IoError("cannot " + what + ": the process was killed (fault injection)");
}

MemEnv::Lookup MemEnv::Resolve(const std::string& path) {
  Lookup lookup;
  if (path.empty() || path[0] != '/') {
    lookup.error = Status::Usage("MemEnv: not an absolute path: " + path);
    return lookup;
  }
  std::vector<std::string> parts;
  std::stringstream stream(path.substr(1));
  for (std::string part; std::getline(stream, part, '/');) {
    if (!part.empty() && part != ".") parts.push_back(part);
  }
  std::shared_ptr<Node> dir = root_;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    auto it = dir->entries.find(parts[i]);
    if (it == dir->entries.end()) {
      lookup.error = ErrnoStatus("cannot reach " + path, ENOENT);
      return lookup;
    }
    if (!it->second->directory) {
      lookup.error = ErrnoStatus("cannot reach " + path, ENOTDIR);
      return lookup;
    }
    dir = it->second;
  }
  lookup.parent = dir;
  if (parts.empty()) {
    lookup.node = root_;
    return lookup;
  }
  lookup.name = parts.back();
  auto it = dir->entries.find(lookup.name);
  if (it != dir->entries.end()) lookup.node = it->second;
  return lookup;
}

std::shared_ptr<MemEnv::Node> MemEnv::Find(const std::string& path) {
  Lookup lookup = Resolve(path);
  return lookup.error.ok() ? lookup.node : nullptr;
}

void MemEnv::Log(const std::shared_ptr<Node>& dir, const std::string& name,
                 std::shared_ptr<Node> target) {
  auto it = dir->entries.find(name);
  if (it != dir->entries.end()) --it->second->links;
  if (target) {
    ++target->links;
    dir->entries[name] = target;
  } else {
    dir->entries.erase(name);
  }
  dir->log.push_back({{name, std::move(target)}});
}

Result<std::unique_ptr<File>> MemEnv::Open(const std::string& path, const OpenMode& mode) {
  if (crashed_) return Dead("open " + path);
  Lookup lookup = Resolve(path);
  if (!lookup.error.ok()) return lookup.error;
  std::shared_ptr<Node> node = lookup.node;
  if (!node) {
    if (!mode.create) return ErrnoStatus("cannot open " + path, ENOENT);
    if (!Step()) return Dead("create " + path);
    node = std::make_shared<Node>();
    node->inode = next_inode_++;
    all_nodes_.push_back(node);
    Log(lookup.parent, lookup.name, node);
  } else if (node->directory) {
    return ErrnoStatus("cannot open " + path, EISDIR);
  } else if (mode.truncate && !node->data.empty()) {
    if (!Step()) return Dead("truncate " + path);
    node->data.clear();
  }
  const bool writable = mode.access != OpenMode::Access::kRead;
  return std::unique_ptr<File>(
      new MemFile(*this, path, node, mode.access == OpenMode::Access::kAppend, writable));
}

Result<std::optional<FileInfo>> MemEnv::Stat(const std::string& path) {
  if (crashed_) return Dead("stat " + path);
  Lookup lookup = Resolve(path);
  if (!lookup.error.ok() || !lookup.node) return std::optional<FileInfo>();
  FileInfo info;
  info.size = lookup.node->data.size();
  info.inode = lookup.node->inode;
  info.device = 1;
  info.links = lookup.node->links;
  info.directory = lookup.node->directory;
  info.mode = lookup.node->directory ? 0750 : 0640;
  return std::optional<FileInfo>(info);
}

Result<std::vector<std::string>> MemEnv::ListDir(const std::string& dir) {
  if (crashed_) return Dead("list " + dir);
  Lookup lookup = Resolve(dir);
  if (!lookup.error.ok()) return lookup.error;
  if (!lookup.node) return ErrnoStatus("cannot list " + dir, ENOENT);
  if (!lookup.node->directory) return ErrnoStatus("cannot list " + dir, ENOTDIR);
  std::vector<std::string> names;
  for (const auto& [name, node] : lookup.node->entries) names.push_back(name);
  return names;
}

Status MemEnv::MakeDir(const std::string& path) {
  if (crashed_) return Dead("mkdir " + path);
  Lookup lookup = Resolve(path);
  if (!lookup.error.ok()) return lookup.error;
  if (lookup.node) {
    if (lookup.node->directory) return Status::Ok();
    return Status::CannotCreate("cannot create directory " + path + ": a file is there");
  }
  if (!Step()) return Dead("mkdir " + path);
  auto node = std::make_shared<Node>();
  node->inode = next_inode_++;
  node->directory = true;
  all_nodes_.push_back(node);
  Log(lookup.parent, lookup.name, node);
  return Status::Ok();
}

Status MemEnv::Rename(const std::string& from, const std::string& to) {
  if (crashed_) return Dead("rename " + from);
  Lookup source = Resolve(from);
  Lookup target = Resolve(to);
  if (!source.error.ok()) return source.error;
  if (!target.error.ok()) return target.error;
  if (!source.node) return ErrnoStatus("cannot rename " + from, ENOENT);
  if (!Step()) return Dead("rename " + from);
  std::shared_ptr<Node> node = source.node;
  if (source.parent == target.parent) {
    // One atomic change of one directory.
    auto& entries = source.parent->entries;
    if (auto it = entries.find(target.name); it != entries.end()) --it->second->links;
    entries.erase(source.name);
    entries[target.name] = node;
    source.parent->log.push_back({{source.name, nullptr}, {target.name, node}});
  } else {
    Log(target.parent, target.name, node);
    Log(source.parent, source.name, nullptr);
  }
  return Status::Ok();
}

Status MemEnv::Unlink(const std::string& path) {
  if (crashed_) return Dead("unlink " + path);
  Lookup lookup = Resolve(path);
  if (!lookup.error.ok()) return lookup.error;
  if (!lookup.node) return ErrnoStatus("cannot remove " + path, ENOENT);
  if (!Step()) return Dead("unlink " + path);
  Log(lookup.parent, lookup.name, nullptr);
  return Status::Ok();
}

Status MemEnv::SyncDir(const std::string& dir) {
  if (crashed_) return Dead("sync directory " + dir);
  Lookup lookup = Resolve(dir);
  if (!lookup.error.ok()) return lookup.error;
  if (!lookup.node) return ErrnoStatus("cannot sync directory " + dir, ENOENT);
  if (!Step()) return Dead("sync directory " + dir);
  lookup.node->synced_entries = lookup.node->entries;
  lookup.node->log.clear();
  return Status::Ok();
}

void MemEnv::Revive(Loss loss, Keep keep, std::mt19937_64* rng) {
  crashed_ = false;
  crash_at_.reset();
  write_cut_.reset();
  ops_ = 0;
  writes_.clear();
  ++generation_;
  auto chance = [&](uint64_t n) { return rng == nullptr ? 0 : (*rng)() % (n + 1); };
  std::vector<std::shared_ptr<Node>> nodes;
  for (const auto& weak : all_nodes_) {
    if (auto node = weak.lock()) nodes.push_back(node);
  }
  for (const auto& node : nodes) {
    node->lock_holder = nullptr;
    if (loss != Loss::kPowerLoss) continue;
    if (node->directory) {
      // The synced entries, then a prefix of the changes made since.
      const size_t kept = keep == Keep::kRandom ? chance(node->log.size()) : 0;
      node->entries = node->synced_entries;
      for (size_t i = 0; i < kept; ++i) {
        for (const auto& [name, target] : node->log[i]) {
          if (target) {
            node->entries[name] = target;
          } else {
            node->entries.erase(name);
          }
        }
      }
      node->synced_entries = node->entries;
      node->log.clear();
    } else {
      const std::string& synced = node->synced;
      std::string survived = synced;
      const bool appended =
          node->data.size() >= synced.size() && node->data.compare(0, synced.size(), synced) == 0;
      if (keep == Keep::kRandom && appended) {
        // Appended data that was never synced: any prefix may have reached
        // the disk, and its blocks may read back as zeros.
        std::string extra =
            node->data.substr(synced.size(), chance(node->data.size() - synced.size()));
        if (chance(2) == 0) std::fill(extra.begin(), extra.end(), '\0');
        survived += extra;
      } else if (keep == Keep::kRandom && chance(1) == 1) {
        survived = node->data;  // an overwrite in place made it, whole (a sector)
      }
      node->data = survived;
      node->synced = survived;
    }
  }
  if (loss == Loss::kPowerLoss) {
    // Links as the surviving directories have them.
    for (const auto& node : nodes) node->links = 0;
    root_->links = 1;
    std::vector<std::shared_ptr<Node>> pending = {root_};
    while (!pending.empty()) {
      auto dir = pending.back();
      pending.pop_back();
      for (const auto& [name, target] : dir->entries) {
        if (target->links++ == 0 && target->directory) pending.push_back(target);
      }
    }
  }
}

std::optional<std::string> MemEnv::Contents(const std::string& path) {
  std::shared_ptr<Node> node = Find(path);
  if (!node || node->directory) return std::nullopt;
  return node->data;
}

std::vector<std::string> MemEnv::Names(const std::string& dir) {
  std::shared_ptr<Node> node = Find(dir);
  std::vector<std::string> names;
  if (!node || !node->directory) return names;
  for (const auto& [name, target] : node->entries) names.push_back(name);
  return names;
}

}  // namespace logroute::fault
