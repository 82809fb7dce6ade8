#include <catch2/catch.hpp>
#include <cmath>
#include <floodgate/core/duration.hpp>
#include <floodgate/core/value.hpp>

using namespace floodgate::core;

TEST_CASE("values render as Go renders them", "[core][value]") {
  CHECK(format_float_plain(10) == "10");
  CHECK(format_float_plain(0.1) == "0.1");
  CHECK(format_float_plain(1e21) == "1000000000000000000000");
  CHECK(format_float_plain(std::nan("")) == "NaN");
  CHECK(format_float_plain(-HUGE_VAL) == "-Inf");
  CHECK(to_json_text(value::floating(1e-7)) == "1e-7");
  CHECK(to_json_text(value::floating(1e21)) == "1e+21");
  const value m = value::map({{"b", value::boolean(true)},
                              {"a", value::floating(1)},
                              {"c", value::array({value::string("x\"y"), value()})}});
  CHECK(to_json_text(m) == R"({"a":1,"b":true,"c":["x\"y",null]})");
  CHECK(value::map({{"k", value::integer(1)}, {"k", value::integer(2)}}).find("k")->as_int() == 2);
  CHECK(value::integer(1) == value::floating(1.0));
  CHECK_FALSE(value::string("1") == value::integer(1));
}

TEST_CASE("floats read as Go's strconv.ParseFloat reads them", "[core][value]") {
  CHECK(parse_go_float("0.5") == 0.5);
  CHECK(parse_go_float("+1e3") == 1000.0);
  CHECK(parse_go_float("-Inf") == -HUGE_VAL);
  CHECK(parse_go_float("+Inf") == HUGE_VAL);
  CHECK(std::isnan(*parse_go_float("NaN")));
  CHECK_FALSE(parse_go_float(""));
  CHECK_FALSE(parse_go_float("1.5x"));
  CHECK_FALSE(parse_go_float("+-1"));
}

TEST_CASE("Go durations", "[core][duration]") {
  CHECK(std::get<millis>(parse_go_duration("30s")) == millis(30000));
  CHECK(std::get<millis>(parse_go_duration("1h30m")) == millis(5400000));
  CHECK(std::get<millis>(parse_go_duration("1.5m")) == millis(90000));
  CHECK(std::get<millis>(parse_go_duration("250ms")) == millis(250));
  CHECK(std::get<millis>(parse_go_duration("0")) == millis(0));
  CHECK(std::get<std::string>(parse_go_duration("10")) ==
        "missing unit in the duration \"10\" (expected one of ns, us, ms, s, m, h)");
  CHECK(std::get<std::string>(parse_go_duration("5 minutes")).find("unknown unit") == 0);
  CHECK(std::get<std::string>(parse_go_duration("")).find("expected a duration") == 0);
  CHECK(format_go_duration(millis(5400000)) == "1h30m");
  CHECK(format_go_duration(millis(1500)) == "1.5s");
  CHECK(format_go_duration(millis(0)) == "0s");
}
