// C++ as a RISC-V program uses it: exceptions thrown through frames (unwinding through
// .eh_frame), caught by base class and rethrown; iostreams and stringstreams; the standard
// containers and algorithms; virtual dispatch, RTTI and dynamic_cast; and the order of static
// constructors and destructors (the destructors print after main returns).
#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <unordered_map>
#include <vector>

namespace {

struct Tracer {
  explicit Tracer(const char* n) : name(n) { std::printf("construct %s\n", name); }
  ~Tracer() { std::printf("destroy %s\n", name); }
  const char* name;
};

Tracer first_static("first static");
Tracer second_static("second static");

struct AppError : std::runtime_error {
  AppError(const std::string& what, int c) : std::runtime_error(what), code(c) {}
  int code;
};
struct DeepError : AppError {
  using AppError::AppError;
};

int thrower(int depth) {
  Tracer guard(depth % 2 ? "odd frame" : "even frame");
  if (depth == 0) throw DeepError("bottom reached", 42);
  return thrower(depth - 1) + 1;
}

void exceptions() {
  try {
    thrower(3);
  } catch (const AppError& e) {
    std::cout << "caught by base: " << e.what() << " code " << e.code << " is DeepError "
              << (dynamic_cast<const DeepError*>(&e) != nullptr) << "\n";
  }
  try {
    try {
      std::vector<int> v(3);
      (void)v.at(7);
    } catch (const std::out_of_range&) {
      std::cout << "out_of_range, rethrowing\n";
      throw;
    }
  } catch (const std::logic_error& e) {
    std::cout << "rethrown as logic_error\n";
  }
  try {
    throw 17;
  } catch (int v) {
    std::cout << "caught int " << v << "\n";
  }
  try {
    std::string s = "abc";
    (void)s.substr(10);
  } catch (const std::exception& e) {
    std::cout << "std::exception: " << typeid(e).name() << "\n";
  }
  std::cout << "uncaught_exceptions " << std::uncaught_exceptions() << "\n";
}

struct Shape {
  virtual ~Shape() = default;
  virtual double area() const = 0;
  virtual std::string name() const { return "shape"; }
};
struct Rect : Shape {
  Rect(double w, double h) : w(w), h(h) {}
  double area() const override { return w * h; }
  std::string name() const override { return "rect"; }
  double w, h;
};
struct Square : Rect {
  explicit Square(double s) : Rect(s, s) {}
  std::string name() const override { return "square"; }
};
struct Circle : Shape {
  explicit Circle(double r) : r(r) {}
  double area() const override { return 3.14159 * r * r; }
  double r;
};

void dispatch() {
  std::vector<std::unique_ptr<Shape>> shapes;
  shapes.push_back(std::make_unique<Rect>(2, 3));
  shapes.push_back(std::make_unique<Square>(4));
  shapes.push_back(std::make_unique<Circle>(1));
  for (const auto& s : shapes) {
    std::cout << s->name() << " area " << std::fixed << std::setprecision(3) << s->area()
              << " is-rect " << (dynamic_cast<Rect*>(s.get()) != nullptr) << " typeid "
              << typeid(*s).name() << "\n";
  }
  std::cout.unsetf(std::ios::floatfield);
}

void containers() {
  std::vector<int> v;
  for (int i = 0; i < 50; ++i) v.push_back((i * 37) % 101);
  std::sort(v.begin(), v.end(), std::greater<>());
  std::cout << "sorted desc head " << v[0] << " " << v[1] << " tail " << v.back() << " sum "
            << std::accumulate(v.begin(), v.end(), 0) << "\n";
  std::map<std::string, int> counts;
  std::istringstream words("the cat and the dog and the bird");
  for (std::string w; words >> w;) ++counts[w];
  for (const auto& [word, n] : counts) std::cout << word << "=" << n << " ";
  std::cout << "\n";
  std::unordered_map<int, std::string> squares;
  for (int i = 0; i < 100; ++i) squares[i * i] = std::to_string(i);
  std::cout << "unordered: size " << squares.size() << " 49->" << squares[49] << " has 50 "
            << squares.count(50) << "\n";
  std::string s = "Hello, RISC-V";
  std::reverse(s.begin(), s.end());
  std::cout << s << " find " << s.find("CSIR") << " npos " << (s.find("zz") == std::string::npos)
            << "\n";
}

void streams() {
  std::ostringstream out;
  out << std::hex << 255 << " " << std::dec << std::setw(6) << std::setfill('*') << 42 << " "
      << std::scientific << std::setprecision(2) << 12345.678 << " " << std::boolalpha << true;
  std::cout << "ostringstream: " << out.str() << "\n";
  std::istringstream in("12 3.5 word 0x1f");
  int i;
  double d;
  std::string w;
  int h;
  in >> i >> d >> w >> std::hex >> h;
  std::cout << "istringstream: " << i << " " << d << " " << w << " " << h << "\n";
  std::cerr << "to cerr " << 7 << std::endl;
  std::clog << "to clog\n";
}

}  // namespace

int main() {
  std::cout << "main starts\n";
  exceptions();
  dispatch();
  containers();
  streams();
  static Tracer local_static("function-local static");
  std::cout << "main ends" << std::endl;
  return 0;
}
