// The coalescing planner: close addresses of one table share a request, up to
// the protocol limits and the configured gap.
#include <catch2/catch.hpp>

#include "modbus/read_plan.hpp"

using namespace edgebridge::modbus;

namespace {

RegisterSpec reg(const std::string& name, Table table, std::uint16_t address, ValueType type = ValueType::uint16) {
  RegisterSpec r;
  r.name = name;
  r.table = table;
  r.address = address;
  r.type = is_bit_table(table) ? ValueType::boolean : type;
  return r;
}

std::vector<std::string> described(const std::vector<ReadRequest>& plan) {
  std::vector<std::string> out;
  out.reserve(plan.size());
  for (const auto& r : plan) out.push_back(r.describe());
  return out;
}

}  // namespace

TEST_CASE("forty adjacent registers cost one request", "[modbus][plan]") {
  std::vector<RegisterSpec> regs;
  for (std::uint16_t a = 0; a < 40; ++a) regs.push_back(reg("r" + std::to_string(a), Table::holding, a));
  auto plan = plan_reads(regs, {});
  REQUIRE(plan.size() == 1);
  CHECK(plan[0].start == 0);
  CHECK(plan[0].count == 40);
  CHECK(plan[0].members.size() == 40);
}

TEST_CASE("a gap up to max_gap is read through, a wider one starts a new request", "[modbus][plan]") {
  std::vector<RegisterSpec> regs = {reg("a", Table::input, 0, ValueType::float32), reg("b", Table::input, 12),
                                    reg("c", Table::input, 30)};
  RequestLimits limits;
  limits.max_gap = 10;  // a ends at 1; b at 12 leaves 10 unused addresses (2-11)
  CHECK(described(plan_reads(regs, limits)) ==
        std::vector<std::string>{"input 0-12 (13 registers)", "input 30 (1 register)"});
  limits.max_gap = 0;
  CHECK(plan_reads(regs, limits).size() == 3);
  limits.max_gap = 100;
  CHECK(described(plan_reads(regs, limits)) == std::vector<std::string>{"input 0-30 (31 registers)"});
}

TEST_CASE("a request never exceeds 125 registers or 2000 bits", "[modbus][plan]") {
  std::vector<RegisterSpec> regs;
  for (std::uint16_t a = 0; a < 300; ++a) regs.push_back(reg("h" + std::to_string(a), Table::holding, a));
  for (std::uint16_t a = 0; a < 2500; ++a) regs.push_back(reg("c" + std::to_string(a), Table::coil, a));
  auto plan = plan_reads(regs, {});
  CHECK(described(plan) == std::vector<std::string>{"coil 0-1999 (2000 bits)", "coil 2000-2499 (500 bits)",
                                                    "holding 0-124 (125 registers)", "holding 125-249 (125 registers)",
                                                    "holding 250-299 (50 registers)"});
  RequestLimits small;
  small.max_registers = 16;
  small.max_bits = 100;
  auto limited = plan_reads(regs, small);
  for (const auto& r : limited) CHECK(r.count <= (is_bit_table(r.table) ? 100 : 16));
}

TEST_CASE("a multi-register value is never cut between two requests", "[modbus][plan]") {
  std::vector<RegisterSpec> regs;
  for (std::uint16_t a = 0; a < 124; ++a) regs.push_back(reg("h" + std::to_string(a), Table::holding, a));
  regs.push_back(reg("wide", Table::holding, 124, ValueType::float64));  // 124-127
  auto plan = plan_reads(regs, {});
  CHECK(described(plan) == std::vector<std::string>{"holding 0-123 (124 registers)", "holding 124-127 (4 registers)"});
}

TEST_CASE("tables are never mixed and come in a fixed order", "[modbus][plan]") {
  std::vector<RegisterSpec> regs = {reg("h", Table::holding, 1), reg("i", Table::input, 1), reg("c", Table::coil, 1),
                                    reg("d", Table::discrete, 1), reg("h2", Table::holding, 0)};
  CHECK(described(plan_reads(regs, {})) == std::vector<std::string>{"coil 1 (1 bit)", "discrete 1 (1 bit)",
                                                                    "input 1 (1 register)",
                                                                    "holding 0-1 (2 registers)"});
}

TEST_CASE("bits of one register and the register itself share one read", "[modbus][plan]") {
  auto status = reg("status", Table::holding, 5);
  auto alarm = reg("alarm", Table::holding, 5, ValueType::boolean);
  alarm.bit = 3;
  auto plan = plan_reads({status, alarm}, {});
  REQUIRE(plan.size() == 1);
  CHECK(plan[0].count == 1);
  CHECK(plan[0].members.size() == 2);
}

TEST_CASE("a refused block splits into its entries, overlapping ones kept together", "[modbus][plan]") {
  auto alarm = reg("alarm", Table::holding, 5, ValueType::boolean);
  alarm.bit = 0;
  std::vector<RegisterSpec> regs = {reg("a", Table::holding, 0), reg("b", Table::holding, 3, ValueType::float32),
                                    reg("status", Table::holding, 5), alarm};
  auto plan = plan_reads(regs, {});
  REQUIRE(plan.size() == 1);
  auto parts = split_request(plan[0], regs, {});
  CHECK(described(parts) ==
        std::vector<std::string>{"holding 0 (1 register)", "holding 3-4 (2 registers)", "holding 5 (1 register)"});
  CHECK(parts[2].members.size() == 2);
}
