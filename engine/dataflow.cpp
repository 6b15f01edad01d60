// Dataflow: step bookkeeping, validation of step ids, and the file claims check.
#include <sluice/engine/dataflow.hpp>

#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>

#include <memory>
#include <optional>
#include <vector>

#include <sluice/engine/error.hpp>

namespace sluice {

namespace {
void check_name(const std::string& what, const std::string& name) {
  if (name.empty()) throw ConfigError(what + " must not be empty");
  if (name.find('.') != std::string::npos) {
    throw ConfigError(what + " '" + name + "' must not contain '.' (it separates step paths)");
  }
}
}  // namespace

Dataflow::Dataflow(std::string name) : graph_(std::make_shared<detail::Graph>()) {
  check_name("a dataflow name", name);
  graph_->name = std::move(name);
}

namespace detail {

std::uint32_t add_step(Graph& graph, std::string id) {
  check_name("a step id", id);
  return add_nested_step(graph, std::move(id));
}

std::uint32_t add_nested_step(Graph& graph, std::string id) {
  if (id.empty() || id.front() == '.' || id.back() == '.' || id.find("..") != std::string::npos) {
    throw ConfigError("step id '" + id + "' must be non-empty parts separated by single '.'");
  }
  for (const auto& step : graph.steps) {
    if (step.id == id) {
      throw ConfigError("step id '" + id + "' is used twice in dataflow '" + graph.name +
                        "'; give every step a unique id");
    }
  }
  detail::StepDesc step;
  step.path = graph.name + "." + id;
  step.id = std::move(id);
  graph.steps.push_back(std::move(step));
  return static_cast<std::uint32_t>(graph.steps.size() - 1);
}

namespace {

// What a claim covers, resolved against the file system as it is now.
//   Inode:   an existing regular file (its device and inode).
//   Name:    a file that does not exist yet: its directory's device and inode, and the
//            name it will be created with (symbolic links on the way followed).
//   Pattern: the future entries of a directory whose names match a glob.
struct Target {
  enum class Kind { Inode, Name, Pattern } kind;
  dev_t dev = 0;
  ino_t ino = 0;
  std::string name;   // Name: the file name; Pattern: the glob
  std::string shown;  // the path as it appears in a message
};

std::optional<Target> inode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return Target{Target::Kind::Inode, st.st_dev, st.st_ino, {}, path};
}

std::string parent_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The directory and name a write to the missing file `path` would create, following
// symbolic links (a dangling link creates its target); nullopt if its directory does
// not exist or the name is not a file name.
std::optional<Target> future_name_of(std::string path) {
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) break;
    std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
    const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n <= 0) return std::nullopt;
    target.resize(static_cast<std::size_t>(n));
    path = target.front() == '/' ? target : parent_of(path) + "/" + target;
  }
  const auto slash = path.find_last_of('/');
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.empty() || name == "." || name == "..") return std::nullopt;
  struct stat dir {};
  if (::stat(parent_of(path).c_str(), &dir) != 0 || !S_ISDIR(dir.st_mode)) return std::nullopt;
  return Target{Target::Kind::Name, dir.st_dev, dir.st_ino, name, {}};
}

// The targets of one claim (none for non-regular files, or files that cannot be seen:
// those fail, or are harmless, on their own).
std::vector<Target> targets_of(const FileClaim& claim) {
  std::vector<Target> out;
  if (claim.glob.empty()) {
    if (auto t = inode_of(claim.path)) {
      out.push_back(*t);
    } else if (claim.access != FileClaim::Access::Read) {
      struct stat st {};
      if (::stat(claim.path.c_str(), &st) != 0) {
        if (auto name = future_name_of(claim.path)) {
          name->shown = claim.path;
          out.push_back(*name);
        }
      }
    }
    return out;
  }
  struct stat dir {};
  if (::stat(claim.path.c_str(), &dir) != 0 || !S_ISDIR(dir.st_mode)) return out;
  out.push_back(Target{Target::Kind::Pattern, dir.st_dev, dir.st_ino, claim.glob, claim.path});
  struct Closer {
    void operator()(DIR* d) const { ::closedir(d); }
  };
  std::unique_ptr<DIR, Closer> handle(::opendir(claim.path.c_str()));
  if (!handle) return out;
  while (const dirent* entry = ::readdir(handle.get())) {
    if (::fnmatch(claim.glob.c_str(), entry->d_name, FNM_PERIOD) != 0) continue;
    if (auto t = inode_of(claim.path + "/" + entry->d_name)) out.push_back(*t);
  }
  return out;
}

bool same(const Target& a, const Target& b) {
  using K = Target::Kind;
  if (a.dev != b.dev || a.ino != b.ino) return false;
  if (a.kind == K::Inode || b.kind == K::Inode) return a.kind == b.kind;
  if (a.kind == K::Name && b.kind == K::Name) return a.name == b.name;
  if (a.kind == K::Pattern && b.kind == K::Pattern) return false;  // two readers
  const Target& name = a.kind == K::Name ? a : b;
  const Target& glob = a.kind == K::Name ? b : a;
  return ::fnmatch(glob.name.c_str(), name.name.c_str(), FNM_PERIOD) == 0;
}

bool may_conflict(const FileClaim& a, const FileClaim& b) {
  using A = FileClaim::Access;
  if (a.access == A::Read && b.access == A::Read) return false;
  return !(a.access == A::SharedWrite && b.access == A::SharedWrite);
}

std::string verb(const FileClaim& c) {
  return c.access == FileClaim::Access::Read ? "reads" : "writes";
}

// How claim `c` reaches target `t`, for a message.
std::string shown(const FileClaim& c, const Target& t) {
  std::string s = "'" + c.path + "'";
  if (!c.glob.empty()) {
    s = t.kind == Target::Kind::Pattern
            ? "the files of directory " + s + " matching '" + c.glob + "'"
            : "'" + t.shown + "' (a file of directory " + s + " matching '" + c.glob + "')";
  }
  return s;
}

[[noreturn]] void refuse(const FileClaim& a, const Target& ta, const FileClaim& b,
                         const Target& tb) {
  using A = FileClaim::Access;
  const FileClaim& writer = a.access != A::Read ? a : b;
  const FileClaim& other = &writer == &a ? b : a;
  const Target& tw = &writer == &a ? ta : tb;
  const Target& to = &writer == &a ? tb : ta;
  const std::string why =
      other.access == A::Read
          ? "writing it would destroy that input: give the output another path"
          : "two sinks would overwrite each other: give each output its own path";
  throw ConfigError("step '" + writer.step + "' writes " + shown(writer, tw) + " and step '" +
                    other.step + "' " + verb(other) + " " + shown(other, to) +
                    ": they are the same file (compared by device and inode, so links and "
                    "other spellings of a path count); " +
                    why);
}

void check_pair(const FileClaim& a, const std::vector<Target>& ta, const FileClaim& b,
                const std::vector<Target>& tb) {
  if (a.step == b.step || !may_conflict(a, b)) return;
  for (const Target& x : ta) {
    for (const Target& y : tb) {
      if (same(x, y)) refuse(a, x, b, y);
    }
  }
}

}  // namespace

void claim_file(Graph& graph, FileClaim claim) {
  const auto mine = targets_of(claim);
  for (const FileClaim& other : graph.files) check_pair(claim, mine, other, targets_of(other));
  graph.files.push_back(std::move(claim));
}

void check_file_claims(const Graph& graph) {
  std::vector<std::vector<Target>> targets;
  targets.reserve(graph.files.size());
  for (const FileClaim& c : graph.files) targets.push_back(targets_of(c));
  for (std::size_t i = 0; i < graph.files.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      check_pair(graph.files[i], targets[i], graph.files[j], targets[j]);
    }
  }
}

}  // namespace detail

}  // namespace sluice
