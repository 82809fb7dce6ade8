#include <array>
#include <catch2/catch.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <floodgate/core/duration.hpp>
#include <floodgate/core/value.hpp>
#include <span>
#include <string>
#include <vector>

using namespace floodgate::core;

TEST_CASE("values render as Go renders them", "[core][value]") {
  CHECK(format_float_plain(10) == "10");
  CHECK(format_float_plain(0.1) == "0.1");
  CHECK(format_float_plain(1e21) == "1000000000000000000000");
  CHECK(format_float_plain(std::nan("")) == "NaN");
  CHECK(format_float_plain(-HUGE_VAL) == "-Inf");
  CHECK(format_float_plain(-0.0) == "-0");
  CHECK(format_float_plain(9007199254740991.0) == "9007199254740991");
  CHECK(format_float_plain(-9007199254740992.0) == "-9007199254740992");
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

TEST_CASE("whole numbers render as the shortest round-trip digits do", "[core][value]") {
  // append_float_plain writes whole numbers below 2^53 as integers; std::to_chars' shortest
  // fixed rendering is the reference, on both sides of 2^53 and around every power of ten.
  auto reference = [](double d) {
    std::array<char, 400> buf{};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::fixed);
    return std::string(buf.data(), r.ptr);
  };
  std::vector<double> xs = {0.0, 1.0, -1.0, 0x1p53 - 1, 0x1p53, 0x1p53 + 2, -0x1p53, 1e300};
  for (double p = 1; p < 1e18; p *= 10)
    for (const double d : {p - 1, p, p + 1, 3 * p, -p}) xs.push_back(d);
  std::uint64_t z = 12345;
  for (int i = 0; i < 20000; ++i) {
    z = z * 6364136223846793005ULL + 1442695040888963407ULL;
    xs.push_back(static_cast<double>(static_cast<std::int64_t>(z >> (11 + i % 40))));
  }
  for (const double d : xs) {
    INFO(reference(d));
    CHECK(format_float_plain(d) == reference(d));
  }
}

TEST_CASE("a value text held as numbers reads as the text they render", "[core][value]") {
  // Argo's renderings, written out by hand from format_float_plain's digits.
  CHECK(value_text::vector(std::vector<double>{0.995}) == "[0.995]");
  CHECK(value_text::vector(std::vector<double>{}) == "[]");
  CHECK(value_text::vector(std::vector<double>{1, std::nan(""), -HUGE_VAL}) == "[1,NaN,-Inf]");
  CHECK(value_text::scalar(0.25) == "0.25");
  CHECK(value_text::scalar(HUGE_VAL) == "+Inf");
  CHECK(value_text::counts(18, 1685.5, 66, 14952) == "canary 18/1685.5, baseline 66/14952");
  // Four numbers are held; a fifth renders the vector at once: the same text either way.
  const std::vector<double> xs = {0.1, 1e-7, 2.5, 1e21, 3};
  CHECK(value_text::vector(std::span(xs).first(4)) == "[0.1,0.0000001,2.5,1000000000000000000000]");
  CHECK(value_text::vector(xs) == "[0.1,0.0000001,2.5,1000000000000000000000,3]");
  // Only empty text is empty; numbers never are, whatever they are.
  CHECK(value_text().empty());
  CHECK(value_text("").empty());
  CHECK_FALSE(value_text("x").empty());
  CHECK_FALSE(value_text::vector(std::vector<double>{}).empty());
  // Equal when the texts are, however each is held; appended after what is there.
  CHECK(value_text::scalar(3) == value_text("3"));
  CHECK_FALSE(value_text::scalar(3) == value_text::vector(std::vector<double>{3}));
  std::string out = "value ";
  value_text::vector(std::vector<double>{0.5, 2}).append_to(out);
  CHECK(out == "value [0.5,2]");
}
