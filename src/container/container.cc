// The container record: how a container is stored in its metadata row, so
// that every command (ps, start, inspect, commit) sees the same decisions
// `run`/`create` made, and its generated name and id rules.
#include "container/container.h"

#include <random>

#include "base/file.h"
#include "base/strings.h"

namespace berth::container {
namespace {

// From moby's pkg/namesgenerator (a selection of both lists).
constexpr const char* kLeft[] = {
    "admiring", "adoring",   "affectionate", "agitated",  "amazing",  "angry",     "awesome",
    "beautiful", "blissful", "bold",         "boring",    "brave",    "busy",      "charming",
    "clever",   "cool",      "compassionate", "competent", "condescending", "confident",
    "cranky",   "crazy",     "dazzling",     "determined", "distracted", "dreamy", "eager",
    "ecstatic", "elastic",   "elated",       "elegant",   "eloquent", "epic",      "exciting",
    "fervent",  "festive",   "flamboyant",   "focused",   "friendly", "frosty",    "funny",
    "gallant",  "gifted",    "goofy",        "gracious",  "great",    "happy",     "hardcore",
    "heuristic", "hopeful",  "hungry",       "infallible", "inspiring", "intelligent",
    "interesting", "jolly",  "jovial",       "keen",      "kind",     "laughing",  "loving",
    "lucid",    "magical",   "modest",       "musing",    "mystifying", "naughty", "nervous",
    "nice",     "nifty",     "nostalgic",    "objective", "optimistic", "peaceful", "pedantic",
    "pensive",  "practical", "priceless",    "quirky",    "quizzical", "recursing", "relaxed",
    "reverent", "romantic",  "sad",          "serene",    "sharp",    "silly",     "sleepy",
    "stoic",    "strange",   "stupefied",    "suspicious", "sweet",   "tender",    "thirsty",
    "trusting", "unruffled", "upbeat",       "vibrant",   "vigilant", "vigorous",  "wizardly",
    "wonderful", "xenodochial", "youthful",  "zealous",   "zen"};
constexpr const char* kRight[] = {
    "agnesi",   "albattani", "allen",     "almeida",  "archimedes", "ardinghelli", "aryabhata",
    "austin",   "babbage",   "banach",    "bardeen",  "bartik",     "bassi",       "beaver",
    "bell",     "benz",      "bhabha",    "black",    "blackwell",  "bohr",        "booth",
    "borg",     "bose",      "boyd",      "brahmagupta", "brattain", "brown",      "burnell",
    "cannon",   "carson",    "cartwright", "cerf",    "chandrasekhar", "chaplygin", "chatelet",
    "chatterjee", "chebyshev", "clarke",  "colden",   "cori",       "cray",        "curie",
    "darwin",   "davinci",   "dewdney",   "dhawan",   "diffie",     "dijkstra",    "dirac",
    "driscoll", "dubinsky",  "easley",    "edison",   "einstein",   "elbakyan",    "elgamal",
    "elion",    "ellis",     "engelbart", "euclid",   "euler",      "faraday",     "feistel",
    "fermat",   "fermi",     "feynman",   "franklin", "gagarin",    "galileo",     "galois",
    "gates",    "gauss",     "germain",   "goldberg", "goldstine",  "goldwasser",  "golick",
    "goodall",  "gould",     "greider",   "grothendieck", "haibt",  "hamilton",    "haslett",
    "hawking",  "heisenberg", "hellman",  "hermann",  "herschel",   "hertz",       "heyrovsky",
    "hodgkin",  "hofstadter", "hoover",   "hopper",   "hugle",      "hypatia",     "jackson",
    "jang",     "jennings",  "jepsen",    "johnson",  "joliot",     "jones",       "kalam",
    "kapitsa",  "kare",      "keldysh",   "keller",   "kepler",     "khayyam",     "khorana",
    "kilby",    "kirch",     "knuth",     "kowalevski", "lalande",  "lamarr",      "lamport",
    "leakey",   "leavitt",   "lederberg", "lehmann",  "lewin",      "lichterman",  "liskov",
    "lovelace", "lumiere",   "mahavira",  "margulis", "matsumoto",  "maxwell",     "mayer",
    "mccarthy", "mcclintock", "mclaren",  "mclean",   "mcnulty",    "meitner",     "mendel",
    "mendeleev", "meninsky", "merkle",    "mestorf",  "mirzakhani", "montalcini",  "moore",
    "morse",    "moser",     "murdock",   "napier",   "nash",       "neumann",     "newton",
    "nightingale", "nobel",  "noether",   "northcutt", "noyce",     "panini",      "pare",
    "pascal",   "pasteur",   "payne",     "perlman",  "pike",       "poincare",    "poitras",
    "proskuriakova", "ptolemy", "raman",  "ramanujan", "rhodes",    "ride",        "ritchie",
    "robinson", "roentgen",  "rosalind",  "rubin",    "saha",       "sammet",      "sanderson",
    "satoshi",  "shamir",    "shannon",   "shaw",     "shirley",    "shockley",    "shtern",
    "sinoussi", "snyder",    "solomon",   "spence",   "stonebraker", "sutherland", "swanson",
    "swartz",   "swirles",   "taussig",   "tereshkova", "tesla",    "tharp",       "thompson",
    "torvalds", "tu",        "turing",    "varahamihira", "vaughan", "visvesvaraya", "volhard",
    "villani",  "wescoff",   "wilbur",    "wiles",    "williams",   "williamson",  "wilson",
    "wing",     "wozniak",   "wright",    "wu",       "yalow",      "yonath",      "zhukovsky"};

std::mt19937_64& Rng() {
  static std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

Json HostToJson(const HostConfig& h) {
  return Json{{"Binds", h.binds},         {"NetworkMode", h.network_mode}, {"PortBindings", h.ports},
              {"AutoRemove", h.auto_remove}, {"ReadonlyRootfs", h.read_only},
              {"Runtime", h.runtime},     {"RestartPolicy", h.restart}};
}

Result<HostConfig> HostFromJson(const Json& j) {
  HostConfig h;
  try {
    h.binds = j.at("Binds").get<std::vector<std::string>>();
    h.network_mode = j.at("NetworkMode").get<std::string>();
    h.auto_remove = j.at("AutoRemove").get<bool>();
    h.read_only = j.at("ReadonlyRootfs").get<bool>();
    h.runtime = j.at("Runtime").get<std::string>();
    h.restart = j.at("RestartPolicy").get<std::string>();
    if (j.contains("PortBindings")) h.ports = j.at("PortBindings").get<std::vector<std::string>>();
  } catch (const std::exception& e) {
    return MakeError(Code::kInvalidArgument, std::string("container host config: ") + e.what());
  }
  return h;
}

bool NameChar(char c, bool first) {
  bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  return alnum || (!first && (c == '_' || c == '.' || c == '-'));
}

}  // namespace

std::vector<std::string> Container::Args() const {
  std::vector<std::string> all;
  if (config.entrypoint) all = *config.entrypoint;
  if (config.cmd) all.insert(all.end(), config.cmd->begin(), config.cmd->end());
  if (all.empty()) return {};
  return {all.begin() + 1, all.end()};
}

std::string Container::Path() const {
  if (config.entrypoint && !config.entrypoint->empty()) return config.entrypoint->front();
  if (config.cmd && !config.cmd->empty()) return config.cmd->front();
  return "";
}

std::string Container::Command() const {
  // moby's list.go: an argument with a space is wrapped in single quotes.
  std::string out = Path();
  for (const std::string& a : Args()) {
    out += a.find(' ') != std::string::npos ? " '" + a + "'" : " " + a;
  }
  return out;
}

store::ContainerRecord Container::ToRecord() const {
  Json j{{"Image", image}, {"Config", config.ToDockerJson()}, {"HostConfig", HostToJson(host)}};
  return store::ContainerRecord{.id = id, .name = name, .image_id = image_id, .chain_id = chain_id,
                                .created = created, .config = DumpJson(j)};
}

Result<Container> Container::FromRecord(const store::ContainerRecord& r) {
  Json j = TRY(ParseJsonObject(r.config, "container " + r.id));
  Container c{.id = r.id, .name = r.name, .image_id = r.image_id, .chain_id = r.chain_id,
              .created = r.created};
  if (!j.contains("Config") || !j.contains("HostConfig") || !j["Image"].is_string()) {
    return MakeError(Code::kInvalidArgument, "container " + r.id + ": record is incomplete");
  }
  c.image = j["Image"].get<std::string>();
  c.config = TRY(ContainerConfig::FromJson(j["Config"], "Config"));
  c.host = TRY(HostFromJson(j["HostConfig"]));
  return c;
}

std::string NewContainerId() {
  static const char kHex[] = "0123456789abcdef";
  std::string id(64, '0');
  for (char& c : id) c = kHex[Rng()() % 16];
  // Docker never makes an id that is all digits (it could read as a number).
  if (id.find_first_not_of("0123456789") == std::string::npos) id[0] = 'a';
  return id;
}

std::string GenerateName(int retry) {
  constexpr size_t kL = sizeof kLeft / sizeof *kLeft, kR = sizeof kRight / sizeof *kRight;
  for (;;) {
    std::string name = std::string(kLeft[Rng()() % kL]) + "_" + kRight[Rng()() % kR];
    if (name == "boring_wozniak") continue;  // moby's rule
    if (retry > 0) name += std::to_string(Rng()() % 10);
    return name;
  }
}

Result<std::string> ValidateName(std::string_view name) {
  std::string_view n = name;
  if (!n.empty() && n.front() == '/') n.remove_prefix(1);
  bool ok = n.size() >= 2;
  for (size_t i = 0; ok && i < n.size(); ++i) ok = NameChar(n[i], i == 0);
  if (!ok) {
    return MakeError(Code::kInvalidArgument, "Invalid container name (" + std::string(name) +
                                                 "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  }
  return std::string(n);
}

}  // namespace berth::container
