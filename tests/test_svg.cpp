// Tests for aib/show/svg.hpp: well-formed XML, one mark per value, escaping, non-finite values,
// saving. The XML checker below is small on purpose (no library needed); tools/check-svg.sh
// runs xmllint over the same documents when it is installed.
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/core/types.hpp"
#include "aib/show/svg.hpp"

using aib_test::message_of;

namespace {

const double NaN = std::numeric_limits<double>::quiet_NaN();

// ---- A minimal XML well-formedness checker ----------------------------------------------------
// Checks: one root element; tags nest and close in order; attribute names unique and values
// quoted, without '<'; every '&' starts &lt; &gt; &amp; &quot; &apos; or &#N; / &#xH;; no control
// characters; only the prolog, comments and whitespace outside the root. Collects each element
// with its attributes and text so tests can count marks.

struct Element {
  std::string name;
  std::map<std::string, std::string> attributes;  // values with entities decoded
  std::string text;                               // direct text content, entities decoded
};

struct Xml {
  std::string error;              // empty when well-formed
  std::vector<Element> elements;  // in document order

  std::size_t count(const std::string& name, const std::string& cls = "") const {
    std::size_t n = 0;
    for (const Element& e : elements) {
      const auto it = e.attributes.find("class");
      n += e.name == name && (cls.empty() || (it != e.attributes.end() && it->second == cls));
    }
    return n;
  }
  const Element* first(const std::string& name) const {
    for (const Element& e : elements)
      if (e.name == name) return &e;
    return nullptr;
  }
};

class XmlChecker {
 public:
  explicit XmlChecker(const std::string& doc) : s_(doc) {}

  Xml run() {
    try {
      parse_document();
    } catch (const std::string& error) {
      xml_.error = error + " at byte " + std::to_string(i_);
    }
    return xml_;
  }

 private:
  const std::string& s_;
  std::size_t i_ = 0;
  Xml xml_;

  [[noreturn]] void error(const std::string& what) { throw what; }
  bool starts(const char* prefix) const { return s_.compare(i_, std::strlen(prefix), prefix) == 0; }
  static bool name_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
  }
  static bool name_char(char c) {
    return name_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.';
  }
  void skip_space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  std::string name() {
    if (i_ >= s_.size() || !name_start(s_[i_])) error("expected a name");
    const std::size_t start = i_;
    while (i_ < s_.size() && name_char(s_[i_])) ++i_;
    return s_.substr(start, i_ - start);
  }
  // Text up to `stop`, with entities checked and decoded.
  std::string chars_until(char stop) {
    std::string out;
    while (i_ < s_.size() && s_[i_] != stop) {
      const char c = s_[i_];
      if (c == '<') error("'<' inside text or attribute");
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
        error("control character");
      if (c == '&') {
        const std::size_t semi = s_.find(';', i_);
        if (semi == std::string::npos) error("unterminated entity");
        const std::string entity = s_.substr(i_ + 1, semi - i_ - 1);
        static const std::map<std::string, std::string> named = {
            {"lt", "<"}, {"gt", ">"}, {"amp", "&"}, {"quot", "\""}, {"apos", "'"}};
        if (named.count(entity)) {
          out += named.at(entity);
        } else if (entity.size() > 1 && entity[0] == '#') {
          const bool hex = entity[1] == 'x';
          const std::string digits = entity.substr(hex ? 2 : 1);
          if (digits.empty() || digits.find_first_not_of(hex ? "0123456789abcdefABCDEF"
                                                             : "0123456789") != std::string::npos)
            error("bad character reference &" + entity + ";");
          out += '?';
        } else {
          error("unknown entity &" + entity + ";");
        }
        i_ = semi + 1;
        continue;
      }
      out += c;
      ++i_;
    }
    return out;
  }
  void skip_misc() {  // whitespace and comments
    for (;;) {
      skip_space();
      if (!starts("<!--")) return;
      const std::size_t end = s_.find("-->", i_ + 4);
      if (end == std::string::npos) error("unterminated comment");
      i_ = end + 3;
    }
  }
  void parse_document() {
    if (starts("<?xml")) {
      const std::size_t end = s_.find("?>", i_);
      if (end == std::string::npos) error("unterminated XML declaration");
      i_ = end + 2;
    }
    skip_misc();
    if (!starts("<")) error("expected the root element");
    parse_element();
    skip_misc();
    if (i_ != s_.size()) error("content after the root element");
  }
  void parse_element() {
    ++i_;  // '<'
    Element e;
    e.name = name();
    const std::size_t index = xml_.elements.size();
    xml_.elements.push_back(e);
    for (;;) {
      const std::size_t before = i_;
      skip_space();
      if (starts("/>")) {
        i_ += 2;
        return;
      }
      if (starts(">")) {
        ++i_;
        break;
      }
      if (i_ == before) error("expected whitespace before an attribute");
      const std::string attr = name();
      skip_space();
      if (!starts("=")) error("attribute " + attr + " without '='");
      ++i_;
      skip_space();
      if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\''))
        error("attribute " + attr + " not quoted");
      const char quote = s_[i_++];
      const std::string value = chars_until(quote);
      if (i_ >= s_.size()) error("unterminated attribute value");
      ++i_;
      if (!xml_.elements[index].attributes.emplace(attr, value).second)
        error("duplicate attribute " + attr);
    }
    // Content: text, comments, child elements, then the matching end tag.
    for (;;) {
      xml_.elements[index].text += chars_until('<');
      if (i_ >= s_.size()) error("element <" + e.name + "> is never closed");
      if (starts("<!--")) {
        skip_misc();
        continue;
      }
      if (starts("</")) {
        i_ += 2;
        const std::string closing = name();
        if (closing != e.name) error("</" + closing + "> closes <" + e.name + ">");
        skip_space();
        if (!starts(">")) error("expected '>'");
        ++i_;
        return;
      }
      parse_element();
    }
  }
};

Xml check_xml(const std::string& doc) {
  return XmlChecker(doc).run();
}

// No "nan" or "inf" as a word ("dominant-baseline" contains "nan" and is fine).
bool no_non_finite(const std::string& svg) {
  std::string lower = svg;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto is_letter = [&](std::size_t i) { return lower[i] >= 'a' && lower[i] <= 'z'; };
  for (const std::string word : {"nan", "inf"})
    for (std::size_t at = lower.find(word); at != std::string::npos;
         at = lower.find(word, at + 1)) {
      const bool starts = at == 0 || !is_letter(at - 1);
      const bool ends = at + word.size() == lower.size() || !is_letter(at + word.size());
      if (starts && ends) return false;
    }
  return true;
}

// The documents every test checks for the SVG 1.1 basics.
void check_svg_basics(const std::string& svg, const std::string& title) {
  const Xml xml = check_xml(svg);
  INFO(xml.error);
  REQUIRE(xml.error.empty());
  REQUIRE(!xml.elements.empty());
  const Element& root = xml.elements[0];
  CHECK(root.name == "svg");
  CHECK(root.attributes.at("xmlns") == "http://www.w3.org/2000/svg");
  CHECK(root.attributes.at("version") == "1.1");
  CHECK(root.attributes.at("viewBox") ==
        "0 0 " + root.attributes.at("width") + " " + root.attributes.at("height"));
  CHECK(std::stod(root.attributes.at("width")) > 0);
  CHECK(xml.elements[1].name == "title");  // the first child
  CHECK(xml.elements[1].text == title);
  CHECK(svg.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0) == 0);
  CHECK(no_non_finite(svg));
}

// With AIB_SVG_DIR set, keep a copy for tools/check-svg.sh (xmllint).
void keep(const std::string& name, const std::string& svg) {
  if (const char* dir = std::getenv("AIB_SVG_DIR"))
    aib::show::save_svg(std::string(dir) + "/" + name, svg);
}

}  // namespace

// ---- the checker itself: a test that cannot fail is a defect ------------------------------------

TEST_CASE("the XML checker accepts good documents and rejects broken ones") {
  CHECK(no_non_finite("<a dominant-baseline=\"middle\" x=\"1\"/>"));
  CHECK_FALSE(no_non_finite("<a x=\"nan\"/>"));
  CHECK_FALSE(no_non_finite("<a x=\"-inf\"/>"));
  CHECK(check_xml(
            "<?xml version=\"1.0\"?>\n<a x=\"1\" y='2'><b/>t &amp; &#60; &#x3C;<!-- c --></a>\n")
            .error.empty());
  for (const char* bad :
       {"<a><b></a></b>", "<a x=1/>", "<a>&foo;</a>", "<a></a><b/>", "<a x=\"1\" x=\"2\"/>", "<a>",
        "<a x=\"<\"/>", "text<a/>", "<a>&#xZZ;</a>", "<a>&amp</a>", "<a\x01/>"}) {
    INFO(bad);
    CHECK_FALSE(check_xml(bad).error.empty());
  }
  const Xml xml = check_xml("<r><c class=\"cell\"/><c class=\"cell\"/><c/><t>a &lt;b&gt;</t></r>");
  CHECK(xml.count("c") == 3);
  CHECK(xml.count("c", "cell") == 2);
  CHECK(xml.first("t")->text == "a <b>");
}

// ---- escaping
// ------------------------------------------------------------------------------------

TEST_CASE("xml_escape: entities, control characters and invalid UTF-8") {
  using aib::show::xml_escape;
  CHECK(xml_escape("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
  CHECK(xml_escape("naïve ▁tok 👍") == "naïve ▁tok 👍");  // valid UTF-8 passes through
  CHECK(xml_escape("bell\x07") == "bell\xEF\xBF\xBD");
  CHECK(xml_escape("half \xE2\x96") == "half \xEF\xBF\xBD\xEF\xBF\xBD");  // a token cut inside "▁"
  CHECK(xml_escape("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");            // overlong '/'
  CHECK(xml_escape("\xED\xA0\x80").find("\xED") == std::string::npos);    // a surrogate
}

// ---- heatmap
// -------------------------------------------------------------------------------------

TEST_CASE("svg_heatmap: one rect per cell, labels escaped, valid XML") {
  aib::MatD m(3, 4);
  for (int i = 0; i < 12; ++i) m(i / 4, i % 4) = 0.1 * i;
  const std::string svg = aib::show::svg_heatmap(m, {"<s>", "a & b", "\"q\""}, {"w", "x", "y", "z"},
                                                 "Attention <weights> & \"scores\"");
  keep("heatmap.svg", svg);
  check_svg_basics(svg, "Attention <weights> & \"scores\"");
  const Xml xml = check_xml(svg);
  CHECK(xml.count("rect", "cell") == 12);
  CHECK(svg.find("&lt;s&gt;") != std::string::npos);
  CHECK(svg.find("a &amp; b") != std::string::npos);
  CHECK(svg.find("&quot;q&quot;") != std::string::npos);
  CHECK(svg.find("<s>") == std::string::npos);
  // The ramp runs from viridis' first stop (min) to its last (max).
  std::vector<std::string> fills;
  for (const Element& e : xml.elements)
    if (e.name == "rect" && e.attributes.count("class") && e.attributes.at("class") == "cell")
      fills.push_back(e.attributes.at("fill"));
  CHECK(fills.front() == "#440154");
  CHECK(fills.back() == "#fde725");
}

TEST_CASE("svg_heatmap: non-finite cells get no rect; float and empty labels work") {
  aib::Mat m(2, 2);
  m << 1.f, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(), 4.f;
  const std::string svg = aib::show::svg_heatmap(m, {}, {}, "holes");
  keep("heatmap-holes.svg", svg);
  check_svg_basics(svg, "holes");
  CHECK(check_xml(svg).count("rect", "cell") == 2);
  const std::string all_nan =
      aib::show::svg_heatmap(aib::MatD::Constant(2, 2, NaN), {}, {}, "none");
  check_svg_basics(all_nan, "none");
  CHECK(check_xml(all_nan).count("rect", "cell") == 0);
}

TEST_CASE("svg_heatmap errors name the counts and the shape") {
  const aib::MatD m = aib::MatD::Zero(2, 3);
  CHECK(message_of([&] { aib::show::svg_heatmap(m, {"a"}, {}, "t"); }) ==
        "svg_heatmap: 1 row labels for a matrix of shape (2, 3); expected 2 (or none)");
  CHECK(message_of([&] { aib::show::svg_heatmap(m, {}, {"a"}, "t"); }) ==
        "svg_heatmap: 1 column labels for a matrix of shape (2, 3); expected 3 (or none)");
  CHECK(message_of([&] { aib::show::svg_heatmap(aib::MatD(0, 0), {}, {}, "t"); }) ==
        "svg_heatmap: the matrix has shape (0, 0): no cells to draw");
}

// ---- line chart
// ----------------------------------------------------------------------------------

TEST_CASE("svg_line_chart: one polyline per series, a legend entry per name") {
  const std::vector<std::vector<double>> series = {
      {3.2, 2.5, 1.9, 1.6, 1.5}, {3.3, 2.8, 2.4}, {0.5, 0.5, 0.5}};
  const std::string svg =
      aib::show::svg_line_chart(series, {"train", "val <held out>", "floor"}, "Loss & more");
  keep("lines.svg", svg);
  check_svg_basics(svg, "Loss & more");
  const Xml xml = check_xml(svg);
  CHECK(xml.count("polyline") == 3 + 1);  // + the axes' L-shaped frame
  CHECK(xml.count("g", "series") == 3);
  CHECK(svg.find("val &lt;held out&gt;") != std::string::npos);
  // Points of the first series: 5 "x,y" pairs.
  for (const Element& e : xml.elements) {
    if (e.name != "polyline" || e.attributes.count("fill")) continue;
    std::istringstream points(e.attributes.at("points"));
    std::string pair;
    int n = 0;
    while (points >> pair) ++n;
    CHECK(n == 5);
    break;
  }
}

TEST_CASE("svg_line_chart: a non-finite value breaks the line; no 'nan' in the file") {
  const std::string svg = aib::show::svg_line_chart({{1, 2, NaN, 4, 5, NaN, 7}}, {}, "gaps");
  keep("lines-gaps.svg", svg);
  check_svg_basics(svg, "gaps");
  const Xml xml = check_xml(svg);
  CHECK(xml.count("g", "series") == 1);
  CHECK(xml.count("polyline") == 2 + 1);               // runs {1, 2} and {4, 5}, + the frame
  CHECK(xml.count("circle") == 1);                     // the lone 7
  CHECK(svg.find(">series 0<") != std::string::npos);  // default name
  const std::string empty = aib::show::svg_line_chart({}, {}, "nothing");
  check_svg_basics(empty, "nothing");
  CHECK(check_xml(empty).count("g", "series") == 0);
  CHECK(message_of([] {
          aib::show::svg_line_chart({{1}, {2}}, {"one"}, "t");
        }) == "svg_line_chart: 1 names for 2 series; expected one name per series (or none)");
}

// ---- scatter
// -------------------------------------------------------------------------------------

TEST_CASE("svg_scatter: one circle per finite point, coloured by group") {
  std::vector<double> x, y;
  std::vector<int> g;
  for (int i = 0; i < 30; ++i) {
    x.push_back(std::cos(i * 0.7) * (1 + i % 3));
    y.push_back(std::sin(i * 0.7) * (1 + i % 3));
    g.push_back(10 * (i % 3));
  }
  x.push_back(NaN);
  y.push_back(0);
  g.push_back(0);
  const std::string svg = aib::show::svg_scatter(x, y, g, "Rings");
  keep("scatter.svg", svg);
  check_svg_basics(svg, "Rings");
  const Xml xml = check_xml(svg);
  CHECK(xml.count("circle", "point") == 30);
  CHECK(svg.find(">group 20<") != std::string::npos);
  std::map<std::string, int> per_colour;
  for (const Element& e : xml.elements)
    if (e.name == "circle" && e.attributes.count("class")) ++per_colour[e.attributes.at("fill")];
  CHECK(per_colour.size() == 3);
  CHECK(per_colour.begin()->second == 10);
}

TEST_CASE("svg_scatter: single group, degenerate ranges, errors") {
  const std::string svg = aib::show::svg_scatter({1, 1, 1}, {2, 2, 2}, {}, "one spot");
  check_svg_basics(svg, "one spot");
  CHECK(check_xml(svg).count("circle", "point") == 3);
  CHECK(check_xml(svg).count("g", "legend") == 0);
  const std::string far = aib::show::svg_scatter({1e20, 1e20}, {-5e30, -5e30}, {}, "far away");
  check_svg_basics(far, "far away");  // a zero-width range around a huge value still gets ticks
  CHECK(check_xml(far).count("circle", "point") == 2);
  CHECK(message_of([] {
          aib::show::svg_scatter({1}, {1, 2}, {}, "t");
        }) == "svg_scatter: x has 1 values but y has 2; they must match");
  CHECK(message_of([] {
          aib::show::svg_scatter({1}, {1}, {0, 1}, "t");
        }) == "svg_scatter: group has 2 entries for 1 points; expected one per point (or none)");
}

TEST_CASE("nice axes: ticks 1, 2 or 5 × 10^k apart covering the data") {
  const aib::show::detail::Axis a = aib::show::detail::nice_axis(0.13, 0.92);
  CHECK(a.step == Approx(0.2));
  CHECK(a.lo == Approx(0.0));
  CHECK(a.hi == Approx(1.0));
  CHECK(a.ticks.size() == 6);
  CHECK(a.decimals == 1);
  const aib::show::detail::Axis b = aib::show::detail::nice_axis(0, 999, 6, 1);
  CHECK(b.step == Approx(200));
  CHECK(b.decimals == 0);
  const aib::show::detail::Axis c =
      aib::show::detail::nice_axis(0, 2, 6, 1);  // indices: no half steps
  CHECK(c.step == Approx(1));
}

// ---- saving
// --------------------------------------------------------------------------------------

TEST_CASE("save_svg writes the file, and names the path when it cannot") {
  const std::string svg = aib::show::svg_scatter({0, 1}, {0, 1}, {}, "saved");
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("aib-test-svg-" + std::to_string(std::random_device{}()) + ".svg"))
                               .string();
  aib::show::save_svg(path, svg);
  std::ifstream in(path, std::ios::binary);
  const std::string back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(back == svg);
  std::remove(path.c_str());

  const std::string bad = "/nonexistent-directory-aib/sub/plot.svg";
  CHECK_THROWS_AS(aib::show::save_svg(bad, svg), aib::IoError);
  const std::string message = message_of([&] { aib::show::save_svg(bad, svg); });
  CHECK(message.rfind(
            "save_svg: '/nonexistent-directory-aib/sub/plot.svg': cannot open for writing", 0) ==
        0);
}
