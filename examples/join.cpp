// join: joins users with their orders on user_id and totals the orders per country.
//
//   build/examples/join --users examples/data/users.csv --orders examples/data/orders.csv
//                       [--output F] [--mode final|complete|running] [-w 2]
//
// users.csv has the header user_id,name,country (one row per user); orders.csv has
// order_id,user_id,amount. Both streams are keyed by user_id and joined by op::join,
// so a user and their orders meet on one worker. Every joined row adds its order's
// amount to its user's country; the totals are written when the input ends, one line
// "country<TAB>total" (2 decimals) per country, in any order.
//
// Amounts are exact (decision): an amount is a decimal number >= 0 with at most 2
// decimals ("31.28", "7", "0.5"), read as integer cents; totals are int64 cents added
// with an overflow check, so they print the same in any order of addition, and a total
// past 92233720368547758.07 stops the run naming step "total_per_country" instead of
// printing inf or a rounded number. Any other amount stops the run naming step
// "orders_parse" and the row.
//
// --mode picks when the join emits (JoinMode's emit mode); only `final`, the default,
// gives totals that do not depend on the order in which the two files' rows arrive:
//   final     once per user_id, when both inputs have ended, with every order of the
//             user (insert `product`: each side keeps all its values, and a row is
//             emitted per user x order pair). An outer join: orders whose user_id is
//             not in users.csv count under "(unknown user)", and a user without orders
//             gives one row without an order, so their country shows up with 0.00.
//   complete  as soon as a user and at least one of their orders are there, then the
//             key's state is cleared: later orders of that user never find the user
//             again and are dropped at the end, as are users without orders and orders
//             of unknown users. Right for one-to-one pairs (an order and its payment).
//   running   on every arriving row, with the latest value of each side (insert `last`):
//             each order enriched with its user as seen so far. Exact while every user
//             arrives before their orders; an order that comes first counts under
//             "(unknown user)", and its user's arrival counts the latest such order again.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>

#include <CLI/CLI.hpp>

#include <sluice/io/csv_source.hpp>
#include <sluice/io/file_sink.hpp>
#include <sluice/io/stdout_sink.hpp>
#include <sluice/sluice.hpp>

namespace {

// The join keeps each side's latest value per user in its state, which a snapshot
// (-r) writes with cereal: hence serialize().
struct User {
  std::string name;
  std::string country;
  template <class A>
  void serialize(A& a) {
    a(name, country);
  }
};

struct Order {
  std::string order_id;
  std::int64_t cents = 0;  // the amount, exactly
  template <class A>
  void serialize(A& a) {
    a(order_id, cents);
  }
};

// The join key of both files' rows.
std::string user_id(const sluice::io::CsvRow& row) {
  return std::string(row["user_id"]);
}

User to_user(const sluice::io::CsvRow& row) {
  return User{std::string(row["name"]), std::string(row["country"])};
}

// "D[.D[D]]" -> cents; throws for anything else (the run stops naming step
// "orders_parse" and the row).
std::int64_t parse_cents(std::string_view text) {
  const std::size_t dot = std::min(text.find('.'), text.size());
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot < text.size() ? text.substr(dot + 1) : std::string_view{};
  const auto digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  std::int64_t units = 0;
  const auto [stop, error] = std::from_chars(whole.data(), whole.data() + whole.size(), units);
  if (whole.empty() || !digits(whole) || error != std::errc() ||
      stop != whole.data() + whole.size() || (dot < text.size() && fraction.empty()) ||
      fraction.size() > 2 || !digits(fraction)) {
    throw std::invalid_argument("amount '" + std::string(text) +
                                "' is not a number >= 0 with at most 2 decimals");
  }
  std::int64_t cents = 0;
  for (std::size_t i = 0; i < 2; ++i)
    cents = cents * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  std::int64_t total = 0;
  if (__builtin_mul_overflow(units, 100, &total) || __builtin_add_overflow(total, cents, &total)) {
    throw std::invalid_argument("amount '" + std::string(text) +
                                "' is more than 92233720368547758.07");
  }
  return total;
}

Order to_order(const sluice::io::CsvRow& row) {
  return Order{std::string(row["order_id"]), parse_cents(row["amount"])};
}

using Joined = std::tuple<std::optional<User>, std::optional<Order>>;

// A joined row's contribution: (country, cents); either side may be missing.
std::pair<std::string, std::int64_t> country_amount(const std::pair<std::string, Joined>& row) {
  const auto& [user, order] = row.second;
  return {user ? user->country : "(unknown user)", order ? order->cents : 0};
}

// a + b, or a throw when the total does not fit in int64 cents.
std::int64_t add_cents(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    throw std::overflow_error("a country's total passes 92233720368547758.07");
  }
  return sum;
}

// "country<TAB>units.cc".
std::string describe(const std::pair<std::string, std::int64_t>& total) {
  const std::int64_t cents = total.second % 100;
  std::string line = total.first;
  line += '\t';
  line += std::to_string(total.second / 100);
  line += cents < 10 ? ".0" : ".";
  line += std::to_string(cents);
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  sluice::Cli cli("join: joins users and orders on user_id, totals the orders per country");
  std::string users_path;
  std::string orders_path;
  std::string output;
  std::string mode = "final";
  const std::map<std::string, sluice::JoinMode> modes{
      {"final", {sluice::JoinInsert::product, sluice::JoinEmit::final}},
      {"complete", {sluice::JoinInsert::product, sluice::JoinEmit::complete}},
      {"running", {sluice::JoinInsert::last, sluice::JoinEmit::running}}};
  cli.app().add_option("--users", users_path, "CSV: user_id,name,country")->required();
  cli.app().add_option("--orders", orders_path, "CSV: order_id,user_id,amount")->required();
  cli.app().add_option("--output", output, "file for country<TAB>total (default: stdout)");
  cli.app()
      .add_option("--mode", mode, "when the join emits: final (exact), complete, running")
      ->check(CLI::IsMember(modes))
      ->capture_default_str();

  return cli.main(argc, argv, [&] {
    sluice::Dataflow flow("join");
    namespace op = sluice::op;
    // Each file is one partition, read by one worker; the join exchanges by user_id.
    auto users_rows = op::input(flow, "users", sluice::io::CsvSource(users_path));
    auto orders_rows = op::input(flow, "orders", sluice::io::CsvSource(orders_path));
    // Keyed streams are (key, value) pairs: (user_id, User) and (user_id, Order).
    auto users =
        op::map_value("users_parse", op::key_on("users_key", users_rows, user_id), to_user);
    auto orders =
        op::map_value("orders_parse", op::key_on("orders_key", orders_rows, user_id), to_order);
    // (user_id, (optional<User>, optional<Order>)): one element per side, in order.
    auto joined = op::join("join", modes.at(mode), users, orders);
    auto amounts = op::map("country_amount", joined, country_amount);
    // reduce_final adds up each country's amounts (first on the worker that has them,
    // then across workers by country) and emits (country, total) at end of input.
    auto totals = op::reduce_final("total_per_country", amounts, add_cents);
    auto lines = op::map("format", totals, describe);
    // A FileSink gathers every line on worker 0; StdOutSink prints each worker's own.
    if (output.empty()) {
      op::output("print", lines, sluice::io::StdOutSink<std::string>());
    } else {
      op::output("write", lines, sluice::io::FileSink<std::string>(output));
    }
    return flow;
  });
}
