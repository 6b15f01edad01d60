// nexmark_report: turns the JSON lines of a benchmark suite run (bench/run_suite.sh)
// into bench/results/REPORT.md and throughput.svg.
//
//   nexmark_report RESULTS.jsonl OUT_DIR [--title TEXT]
//
// Nexmark lines ("bench":"nexmark") make the throughput, ratio and memory tables and
// the chart; a query's runs at the largest event count of its baseline are the main
// ones, and sluice runs at other event counts make the memory series. Every other
// line is a micro-benchmark, listed with its rate, except the sparse-event-time lines
// ("bench":"sparse_event_time", bench/sparse_event_time.sh), which make their own table
// per workload and epoch length against its targets. Exit codes: 0, 1 (unreadable
// input, unwritable output), 2 (usage).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Record = std::map<std::string, std::string>;

// A flat JSON object's keys and values (strings unquoted); nullopt if it is not one.
std::optional<Record> parse_line(const std::string& line) {
  Record r;
  std::size_t i = line.find('{');
  if (i == std::string::npos) return std::nullopt;
  ++i;
  const auto skip = [&] {
    while (i < line.size() && (line[i] == ' ' || line[i] == ',')) ++i;
  };
  const auto string_at = [&]() -> std::optional<std::string> {
    if (i >= line.size() || line[i] != '"') return std::nullopt;
    std::string s;
    for (++i; i < line.size() && line[i] != '"'; ++i) {
      if (line[i] == '\\' && i + 1 < line.size()) ++i;
      s += line[i];
    }
    if (i >= line.size()) return std::nullopt;
    ++i;
    return s;
  };
  for (skip(); i < line.size() && line[i] != '}'; skip()) {
    auto key = string_at();
    if (!key || i >= line.size() || line[i] != ':') return std::nullopt;
    ++i;
    if (auto s = string_at()) {
      r[*key] = *s;
    } else {
      const std::size_t end = line.find_first_of(",}", i);
      if (end == std::string::npos) return std::nullopt;
      r[*key] = line.substr(i, end - i);
      i = end;
    }
  }
  return r;
}

double num(const Record& r, const std::string& key) {
  auto it = r.find(key);
  if (it == r.end()) return 0;
  try {
    return std::stod(it->second);
  } catch (...) {
    return 0;
  }
}
std::string str(const Record& r, const std::string& key) {
  auto it = r.find(key);
  return it == r.end() ? std::string() : it->second;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
// 12,345,678 -> "12.3 M"
std::string rate(double v) {
  if (v >= 1e6) return fmt("%.2f M", v / 1e6);
  if (v >= 1e3) return fmt("%.1f k", v / 1e3);
  return fmt("%.0f", v);
}

const std::vector<std::string> kQueries = {"q0", "q1", "q2", "q3", "q4",
                                           "q5", "q7", "q8", "q9", "q11"};
bool windowed(const std::string& q) {
  return q == "q5" || q == "q7" || q == "q8" || q == "q11";
}

struct QueryRuns {
  std::vector<Record> baselines, w1s, w2s;  // one per round, in run order
  std::optional<Record> baseline, w1, w2;   // each one's run of median throughput
  std::map<double, Record> memory;          // events -> sluice -w 2 run (the memory series)
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n == 0 ? 0 : n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
std::optional<Record> median_run(std::vector<Record> runs) {
  if (runs.empty()) return std::nullopt;
  std::sort(runs.begin(), runs.end(), [](const Record& a, const Record& b) {
    return num(a, "events_per_second") < num(b, "events_per_second");
  });
  return runs[(runs.size() - 1) / 2];
}
// Round i's ratio is the i-th sluice run's throughput over the i-th baseline's: runs of
// one round are interleaved, so a ratio compares runs made moments apart.
std::vector<double> round_ratios(const std::vector<Record>& runs,
                                 const std::vector<Record>& baselines) {
  std::vector<double> out;
  for (std::size_t i = 0; i < std::min(runs.size(), baselines.size()); ++i) {
    const double b = num(baselines[i], "events_per_second");
    if (b > 0) out.push_back(num(runs[i], "events_per_second") / b);
  }
  return out;
}
double peak_of(const std::vector<Record>& runs) {
  double peak = 0;
  for (const Record& r : runs) peak = std::max(peak, num(r, "peak_rss_mb"));
  return peak;
}

// The sparse-event-time table: per workload and epoch length, the medians over rounds
// of the times, of -w 1 / baseline and -w 2 / -w 1 (each round's own ratio), and of
// the peak memory against the workload's longest-epoch run; misses of issue 14's
// targets go to `misses`.
void sparse_section(std::ostringstream& md, const std::vector<Record>& lines,
                    std::vector<std::string>& misses) {
  struct Runs {
    std::map<int, Record> base, w1, w2;  // round -> run
  };
  std::map<std::string, std::map<double, Runs>> by;  // workload -> epoch_ms -> runs
  for (const Record& r : lines) {
    Runs& runs = by[str(r, "workload")][num(r, "epoch_ms")];
    const int round = static_cast<int>(num(r, "round"));
    if (str(r, "engine") == "baseline") {
      runs.base[round] = r;
    } else if (num(r, "workers") == 1) {
      runs.w1[round] = r;
    } else {
      runs.w2[round] = r;
    }
  }
  md << "\n## Sparse event time (`bench/sparse_event_time.sh`)\n\n"
        "windowed_sum on input sparse in event time, at several event-time epoch lengths: "
        "medians over rounds (each round: baseline, -w 1, -w 2 back to back; ratios within a "
        "round). Targets (issue 14): -w 1 within 1.5x the baseline, -w 2 faster than -w 1, "
        "peak memory within 2x of the longest-epoch run's.\n\n"
        "| workload | epoch | baseline s | -w 1 s | -w 1 / baseline | -w 2 s | -w 2 / -w 1 | "
        "peak MiB -w 1 / -w 2 | memory vs longest epoch |\n|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& [workload, epochs] : by) {
    const Runs& longest = epochs.rbegin()->second;
    const auto peaks = [](const std::map<int, Record>& runs) {
      std::vector<double> v;
      for (const auto& [round, r] : runs) v.push_back(num(r, "peak_rss_mb"));
      return median(v);
    };
    const double ref1 = peaks(longest.w1), ref2 = peaks(longest.w2);
    for (const auto& [epoch_ms, runs] : epochs) {
      std::vector<double> tb, t1, t2, r1, r2;
      for (const auto& [round, b] : runs.base) {
        tb.push_back(num(b, "seconds"));
        auto w1 = runs.w1.find(round);
        auto w2 = runs.w2.find(round);
        if (w1 == runs.w1.end() || w2 == runs.w2.end()) continue;
        t1.push_back(num(w1->second, "seconds"));
        t2.push_back(num(w2->second, "seconds"));
        if (num(b, "seconds") > 0) r1.push_back(t1.back() / num(b, "seconds"));
        if (t1.back() > 0) r2.push_back(t2.back() / t1.back());
      }
      const double p1 = peaks(runs.w1), p2 = peaks(runs.w2);
      const double m1 = median(r1), m2 = median(r2);
      const double mem = std::max(ref1 > 0 ? p1 / ref1 : 0, ref2 > 0 ? p2 / ref2 : 0);
      const std::string where = workload + " at " + fmt("%.0f ms", epoch_ms) + " epochs: ";
      if (m1 > 1.5) misses.push_back(where + "-w 1 " + fmt("%.2fx", m1) + " the baseline");
      if (m2 >= 1) misses.push_back(where + "-w 2 " + fmt("%.2fx", m2) + " the -w 1 time");
      if (mem > 2) misses.push_back(where + "peak memory " + fmt("%.2fx", mem) + " the longest");
      md << "| " << workload << " | " << fmt("%.0f ms", epoch_ms) << " | "
         << fmt("%.3f", median(tb)) << " | " << fmt("%.3f", median(t1)) << " | "
         << fmt("%.2fx", m1) << " | " << fmt("%.3f", median(t2)) << " | " << fmt("%.2fx", m2)
         << " | " << fmt("%.0f", p1) << " / " << fmt("%.0f", p2) << " | " << fmt("%.2fx", mem)
         << " |\n";
    }
  }
}

void write_svg(const std::string& path, const std::map<std::string, QueryRuns>& runs) {
  const int bar = 14, gap = 26, left = 60, top = 40, height = 300;
  std::vector<std::string> qs;
  double max = 0;
  for (const auto& q : kQueries) {
    auto it = runs.find(q);
    if (it == runs.end()) continue;
    qs.push_back(q);
    for (const auto* r : {&it->second.baseline, &it->second.w1, &it->second.w2}) {
      if (*r) max = std::max(max, num(**r, "events_per_second"));
    }
  }
  if (max <= 0) max = 1;
  const double step = std::pow(10.0, std::floor(std::log10(max)));
  const double top_value = std::ceil(max / step) * step;
  const int width = left + static_cast<int>(qs.size()) * (3 * bar + gap) + 20;
  std::ofstream out(path);
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\""
      << height + top + 60 << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  out << "<text x=\"" << left << "\" y=\"20\" font-size=\"14\">Nexmark throughput (events/s)"
      << "</text>\n";
  const char* colors[] = {"#999999", "#4c78a8", "#f58518"};
  const char* names[] = {"baseline (1 thread)", "sluice -w 1", "sluice -w 2"};
  for (int k = 0; k < 3; ++k) {
    out << "<rect x=\"" << width - 150 << "\" y=\"" << 8 + 14 * k
        << "\" width=\"10\" height=\"10\" fill=\"" << colors[k] << "\"/><text x=\"" << width - 135
        << "\" y=\"" << 17 + 14 * k << "\">" << names[k] << "</text>\n";
  }
  for (int t = 0; t <= 4; ++t) {
    const double v = top_value * t / 4;
    const double y = top + height - height * v / top_value;
    out << "<line x1=\"" << left << "\" x2=\"" << width - 10 << "\" y1=\"" << y << "\" y2=\"" << y
        << "\" stroke=\"#dddddd\"/><text x=\"" << left - 5 << "\" y=\"" << y + 4
        << "\" text-anchor=\"end\">" << rate(v) << "</text>\n";
  }
  int x = left + 10;
  for (const auto& q : qs) {
    const QueryRuns& r = runs.at(q);
    const std::optional<Record>* bars[] = {&r.baseline, &r.w1, &r.w2};
    for (int k = 0; k < 3; ++k) {
      if (*bars[k]) {
        const double v = num(**bars[k], "events_per_second");
        const double h = height * v / top_value;
        out << "<rect x=\"" << x + k * bar << "\" y=\"" << top + height - h << "\" width=\""
            << bar - 2 << "\" height=\"" << h << "\" fill=\"" << colors[k] << "\"><title>" << q
            << " " << names[k] << ": " << rate(v) << " events/s</title></rect>\n";
      }
    }
    out << "<text x=\"" << x + 3 * bar / 2 << "\" y=\"" << top + height + 15
        << "\" text-anchor=\"middle\">" << q << "</text>\n";
    x += 3 * bar + gap;
  }
  out << "</svg>\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: nexmark_report RESULTS.jsonl OUT_DIR [--title TEXT]\n");
    return 2;
  }
  const std::string input = argv[1], dir = argv[2];
  std::string title = "sluice benchmark report";
  for (int i = 3; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--title") title = argv[i + 1];
  }
  std::ifstream in(input);
  if (!in) {
    std::fprintf(stderr, "error: cannot read '%s'\n", input.c_str());
    return 1;
  }
  std::map<std::string, QueryRuns> runs;
  std::map<std::string, double> main_events;  // query -> its baseline's event count
  std::vector<Record> nexmark, micro, sparse;
  std::string line;
  while (std::getline(in, line)) {
    auto r = parse_line(line);
    if (!r || str(*r, "bench").empty()) continue;
    if (str(*r, "bench") == "nexmark") {
      nexmark.push_back(*r);
      if (str(*r, "engine") == "baseline") {
        double& e = main_events[str(*r, "query")];
        e = std::max(e, num(*r, "events"));
      }
    } else if (str(*r, "bench") == "sparse_event_time") {
      sparse.push_back(*r);
    } else {
      micro.push_back(*r);
    }
  }
  for (const Record& r : nexmark) {
    QueryRuns& q = runs[str(r, "query")];
    const bool main = num(r, "events") == main_events[str(r, "query")];
    const int workers = static_cast<int>(num(r, "workers"));
    if (str(r, "engine") == "baseline") {
      if (main) q.baselines.push_back(r);
    } else if (main && workers == 1) {
      q.w1s.push_back(r);
    } else if (main && workers == 2) {
      q.w2s.push_back(r);
    } else if (workers == 2) {
      q.memory[num(r, "events")] = r;
    }
  }

  std::size_t rounds = 0;
  for (auto& [name, q] : runs) {
    q.baseline = median_run(q.baselines);
    q.w1 = median_run(q.w1s);
    q.w2 = median_run(q.w2s);
    rounds = std::max(rounds, q.baselines.size());
  }

  std::ostringstream md;
  md << "# " << title << "\n\n";
  md << "Written by `bench/run_suite.sh` (do not edit). Throughput is events (or records) per "
        "second of wall time for the whole run, generation included; a ratio is sluice's "
        "throughput over the single-threaded baseline's, measured in the same suite run. "
        "`rows ok`: sluice's rows have the baseline's checksum (q4 prints running updates, "
        "so only its row count is compared).\n\n";
  if (rounds > 1) {
    md << "Each query ran " << rounds
       << " rounds of baseline, -w 1, -w 2 back to back. Throughput is the median run's; a "
          "ratio is the median of the rounds' own ratios, with their range.\n\n";
  }
  md << "## Nexmark\n\n![throughput per query](throughput.svg)\n\n";
  md << "| query | events | baseline | sluice -w 1 | ratio | sluice -w 2 | ratio | rows ok | "
        "peak MiB (base / w1 / w2) |\n|---|---|---|---|---|---|---|---|---|\n";
  std::vector<std::string> misses;
  for (const auto& q : kQueries) {
    auto it = runs.find(q);
    if (it == runs.end() || !it->second.baseline) continue;
    const QueryRuns& r = it->second;
    const double b = num(*r.baseline, "events_per_second");
    const auto cell = [&](const std::optional<Record>& s, const std::vector<Record>& all,
                          double min_ratio, double min_rate, const char* label) {
      if (!s) return std::string("| — | — ");
      const double v = num(*s, "events_per_second");
      const std::vector<double> ratios = round_ratios(all, r.baselines);
      const double ratio = median(ratios);
      if (ratio < min_ratio) {
        misses.push_back(q + " " + label + ": " + fmt("%.2fx", ratio) +
                         " of the baseline (target " + fmt("%.1fx", min_ratio) + ")");
      }
      if (v < min_rate) {
        misses.push_back(q + " " + label + ": " + rate(v) + " events/s (target " + rate(min_rate) +
                         ")");
      }
      std::string range;
      if (ratios.size() > 1) {
        range = fmt(" (%.2f", *std::min_element(ratios.begin(), ratios.end())) +
                fmt("-%.2f)", *std::max_element(ratios.begin(), ratios.end()));
      }
      return "| " + rate(v) + " | " + fmt("%.2fx", ratio) + range + " ";
    };
    const bool fast = q == "q0" || q == "q1" || q == "q2";
    const double w2_min = fast ? 10e6 : windowed(q) ? 2e6 : 0;
    // Every round's rows must match.
    const auto rows_ok = [&](const std::vector<Record>& all) {
      if (all.empty()) return std::string("—");
      for (const Record& s : all) {
        if (str(s, "rows") != str(*r.baseline, "rows")) return std::string("no");
        if (q != "q4" && str(s, "checksum") != str(*r.baseline, "checksum"))
          return std::string("no");
      }
      return std::string("yes");
    };
    const auto peak = [](const std::vector<Record>& all) {
      return all.empty() ? std::string("—") : fmt("%.0f", peak_of(all));
    };
    md << "| " << q << " | " << rate(num(*r.baseline, "events")) << " | " << rate(b) << " "
       << cell(r.w1, r.w1s, 0.5, 0, "-w 1") << cell(r.w2, r.w2s, 0.9, w2_min, "-w 2") << "| "
       << rows_ok(r.w1s) << " / " << rows_ok(r.w2s) << " | " << peak(r.baselines) << " / "
       << peak(r.w1s) << " / " << peak(r.w2s) << " |\n";
    if (rows_ok(r.w1s) == "no" || rows_ok(r.w2s) == "no") misses.push_back(q + ": rows differ");
  }
  // Memory: flat as the events grow, for every query but q3 (its join state grows).
  for (const auto& q : kQueries) {
    auto it = runs.find(q);
    if (it == runs.end() || q == "q3" || !it->second.w2 || it->second.memory.empty()) continue;
    const double small = peak_of(it->second.w2s);
    const auto& [events, big] = *it->second.memory.rbegin();
    const double large = num(big, "peak_rss_mb");
    if (large > 1.5 * small + 8) {
      misses.push_back(q + ": peak memory grows with the events (" + fmt("%.0f", small) +
                       " MiB at " + rate(num(*it->second.w2, "events")) + ", " +
                       fmt("%.0f", large) + " MiB at " + rate(events) + ", -w 2)");
    }
  }
  md << "\nTargets (issue 5): every query at `-w 1` at least 0.5x its baseline and at `-w 2` "
        "at least 0.9x; q0-q2 at 10 M events/s or more at `-w 2`, q5, q7, q8 and q11 at 2 M; "
        "peak memory flat from 10^7 to 10^8 events for every query but q3.\n\n";
  if (misses.empty()) {
    md << "All targets met.\n";
  } else {
    md << "Missed:\n\n";
    for (const auto& m : misses) md << "- " << m << "\n";
  }

  bool any_memory = false;
  for (const auto& [q, r] : runs) any_memory = any_memory || !r.memory.empty();
  if (any_memory) {
    md << "\n### Peak memory as the event count grows (sluice -w 2, MiB)\n\n| query |";
    std::set<double> sizes;
    for (const auto& [q, r] : runs) {
      if (r.w2) sizes.insert(num(*r.w2, "events"));
      for (const auto& [e, rec] : r.memory) sizes.insert(e);
    }
    for (double e : sizes) md << " " << rate(e) << " |";
    md << "\n|---|";
    for (std::size_t i = 0; i < sizes.size(); ++i) md << "---|";
    md << "\n";
    for (const auto& q : kQueries) {
      auto it = runs.find(q);
      if (it == runs.end()) continue;
      md << "| " << q << " |";
      for (double e : sizes) {
        const Record* rec = nullptr;
        if (it->second.w2 && num(*it->second.w2, "events") == e) rec = &*it->second.w2;
        if (auto m = it->second.memory.find(e); m != it->second.memory.end()) rec = &m->second;
        md << " " << (rec ? fmt("%.0f", num(*rec, "peak_rss_mb")) : "—") << " |";
      }
      md << "\n";
    }
  }

  if (!micro.empty()) {
    md << "\n## Micro-benchmarks (`bench/run_micro.sh`)\n\n| bench | engine | workers | "
          "seconds | rate |\n|---|---|---|---|---|\n";
    for (const Record& r : micro) {
      std::string rate_cell = "—";
      for (const auto& [k, v] : r) {
        if (k.size() > 11 && k.compare(k.size() - 11, 11, "_per_second") == 0 &&
            k.find("per_worker") == std::string::npos) {
          rate_cell = rate(num(r, k)) + " " + k.substr(0, k.size() - 11) + "/s";
          break;
        }
      }
      const std::string extra = str(r, "window").empty() ? "" : " (" + str(r, "window") + ")";
      const std::string bench = str(r, "bench");
      const std::string engine = !str(r, "engine").empty()          ? str(r, "engine")
                                 : bench.rfind("baseline_", 0) == 0 ? "baseline"
                                                                    : "sluice";
      md << "| " << bench << extra << " | " << engine << " | "
         << (str(r, "workers").empty() ? "1" : str(r, "workers")) << " | "
         << fmt("%.3f", num(r, "seconds")) << " | " << rate_cell << " |\n";
    }
  }

  if (!sparse.empty()) {
    std::vector<std::string> sparse_misses;
    sparse_section(md, sparse, sparse_misses);
    if (sparse_misses.empty()) {
      md << "\nAll sparse-event-time targets met.\n";
    } else {
      md << "\nMissed:\n\n";
      for (const auto& m : sparse_misses) md << "- " << m << "\n";
    }
  }

  std::ofstream out(dir + "/REPORT.md");
  out << md.str();
  if (!out) {
    std::fprintf(stderr, "error: cannot write '%s/REPORT.md'\n", dir.c_str());
    return 1;
  }
  write_svg(dir + "/throughput.svg", runs);
  return 0;
}
