// What a recovery store holds (store_info.hpp).
#include <sluice/recovery/store_info.hpp>

#include <map>

#include <sluice/recovery/key_versions.hpp>
#include <sluice/recovery/layout.hpp>

namespace sluice::recovery {

namespace {

// The step path of a fingerprint line "step PATH [in ...] [out ...]".
std::string step_path(std::string_view line) {
  if (line.substr(0, 5) != "step ") return std::string(line);
  line.remove_prefix(5);
  return std::string(line.substr(0, std::min(line.find(" in "), line.find(" out "))));
}

std::vector<std::string> fingerprint_paths(const Store& store) {
  std::vector<std::string> paths;
  std::string_view text;
  const auto fingerprint = store.get(0, layout::meta_key("fingerprint"));
  if (fingerprint) text = *fingerprint;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    paths.push_back(step_path(text.substr(0, nl)));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return paths;
}

void read_partitions(const Store& store, StoreInfo& info) {
  bool all = true;
  for (std::uint32_t p = 0; p < store.partitions(); ++p) {
    PartitionInfo part;
    if (const auto mark = store.get(p, layout::meta_key("durable"))) {
      part.durable = layout::decode_u64(*mark);
      if (!part.durable) {
        throw StoreError("recovery store " + store.where() + ": partition " + std::to_string(p) +
                         " has a malformed durable mark (a damaged store)");
      }
      info.committed = info.committed ? std::min(*info.committed, *part.durable) : *part.durable;
    } else {
      all = false;
    }
    info.partitions.push_back(part);
  }
  if (!all) info.committed.reset();
}

void count_steps(const Store& store, StoreInfo& info) {
  const auto paths = fingerprint_paths(store);
  info.fingerprint_steps = paths.size();
  std::map<std::uint32_t, StepInfo> steps;
  for (std::uint32_t p = 0; p < store.partitions(); ++p) {
    info.malformed_keys +=
        scan_key_versions(store, p, layout::kStatePrefix, [&](const KeyVersions& vs) {
          const std::uint32_t node = layout::parse_state_key(vs.front().key)->node;
          StepInfo& step = steps[node];
          step.node = node;
          step.versions += vs.size();
          if (!info.committed) {
            step.uncommitted += vs.size();
            return;
          }
          for (const Version& v : vs) step.uncommitted += v.tag > *info.committed ? 1 : 0;
          if (const Version* live = visible(vs, *info.committed)) {
            ++step.live_keys;
            step.live_value_bytes += live->value_bytes;
          }
        });
  }
  for (auto& [node, step] : steps) {
    if (node < paths.size()) step.path = paths[node];
    info.steps.push_back(std::move(step));
  }
}

}  // namespace

StoreInfo describe(const Store& store) {
  StoreInfo info;
  info.where = store.where();
  info.format = store.get(0, layout::meta_key("format"));
  read_partitions(store, info);
  store.scan(0, layout::meta_key("exec/"),
             [&](std::string_view, std::string_view line) { info.executions.emplace_back(line); });
  count_steps(store, info);
  return info;
}

std::string committed_text(std::optional<Epoch> committed) {
  if (!committed) return "none";
  if (*committed == layout::kComplete) return "complete (the run finished)";
  return std::to_string(*committed);
}

void print(std::ostream& out, const StoreInfo& info) {
  out << "recovery directory: " << info.where << "\n";
  if (info.in_use) {
    out << "in use: a run has it open (its LOCK is held); what follows is a live view: "
           "each read is one LMDB transaction, consistent in itself, and the run may commit "
           "between them\n";
  }
  out << "format: " << (info.format ? *info.format : "none (no run has opened it yet)") << "\n";
  out << "partitions: " << info.partitions.size() << "\n";
  for (std::size_t p = 0; p < info.partitions.size(); ++p) {
    const PartitionInfo& part = info.partitions[p];
    out << "  " << (part.file.empty() ? "partition " + std::to_string(p) : part.file);
    if (part.file_bytes) out << "  " << *part.file_bytes << " bytes";
    out << "  durable " << committed_text(part.durable) << "\n";
  }
  out << "committed epoch: " << committed_text(info.committed) << "\n";
  out << "executions: " << info.executions.size() << "\n";
  for (const auto& line : info.executions) out << "  " << line << "\n";
  out << "steps holding state: " << info.steps.size() << " of " << info.fingerprint_steps << "\n";
  for (const StepInfo& step : info.steps) {
    out << "  "
        << (step.path.empty() ? "node " + std::to_string(step.node) + " (not in the fingerprint)"
                              : step.path)
        << ": " << step.live_keys << " live keys, " << step.live_value_bytes << " value bytes, "
        << step.versions << " stored versions";
    if (step.uncommitted > 0) out << " (" << step.uncommitted << " after the committed epoch)";
    out << "\n";
  }
  if (info.malformed_keys > 0) {
    out << "malformed state keys: " << info.malformed_keys << " (a damaged store)\n";
  }
}

}  // namespace sluice::recovery
