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
#include <charconv>
#include <cmath>
#include <functional>
#include <iomanip>
#include <map>
#include <optional>
#include <sstream>
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

struct User {
  std::string name;
  std::string country;
};

struct Order {
  std::string order_id;
  // A sum of a few hundred amounts in cents prints the same at 2 decimals in any order
  // of addition (integer cents would be exact at any size).
  double amount = 0;
};

// The join key of both files' rows.
std::string user_id(const sluice::io::CsvRow& row) {
  return std::string(row["user_id"]);
}

User to_user(const sluice::io::CsvRow& row) {
  return User{std::string(row["name"]), std::string(row["country"])};
}

// A non-numeric amount throws: the run stops naming step "orders_parse" and the row.
Order to_order(const sluice::io::CsvRow& row) {
  const std::string_view text = row["amount"];
  double amount = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, amount);
  if (error != std::errc() || stop != end || !std::isfinite(amount) || amount < 0) {
    throw std::invalid_argument("amount '" + std::string(text) + "' is not a number >= 0");
  }
  return Order{std::string(row["order_id"]), amount};
}

using Joined = std::tuple<std::optional<User>, std::optional<Order>>;

// A joined row's contribution: (country, amount); either side may be missing.
std::pair<std::string, double> country_amount(const std::pair<std::string, Joined>& row) {
  const auto& [user, order] = row.second;
  return {user ? user->country : "(unknown user)", order ? order->amount : 0.0};
}

std::string describe(const std::pair<std::string, double>& total) {
  std::ostringstream line;
  line << total.first << '\t' << std::fixed << std::setprecision(2) << total.second;
  return line.str();
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
    auto totals = op::reduce_final("total_per_country", amounts, std::plus<double>());
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
