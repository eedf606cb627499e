"""`inspect -f` templates cannot crash berth or exhaust the machine (issue 9).

Each case once overflowed the stack (5,000 nested parentheses, 6,000 nested
{{if}}), took gigabytes (`pad` and `printf` with huge widths) or ran for a
minute (19 nested ranges). Go's fmt results are kept where fmt has them
(widths past 10^6 print %!(NOVERB)); otherwise berth fails with one clear
line. Each run must stay under 30 s and 512 MiB of RSS.
"""
import os
import resource
import time

from berthtest import BerthTest

# ASan's shadow memory and its quarantine (256 MiB) add some hundreds of MiB
# to every run of the sanitized build (`./dev test --sanitize` sets
# ASAN_OPTIONS); the bound is there to catch the gigabytes, either way.
MAX_RSS_KIB = (1536 if "ASAN_OPTIONS" in os.environ else 512) * 1024


class TemplateLimitsTest(BerthTest):
    def setUp(self):
        super().setUp()
        self.import_busybox("t:1")
        self.ok("tag", "t:1", "t:2")
        self.ok("tag", "t:1", "t:3")

    def inspect_f(self, template):
        """Runs `berth inspect -f template t:1`, checking its time and (as the
        largest of all children so far) its RSS."""
        start = time.monotonic()
        r = self.berth("inspect", "-f", template, "t:1", timeout=60)
        self.assertLess(time.monotonic() - start, 30, template[:80])
        self.assertGreaterEqual(r.code, 0, f"killed by a signal: {r}")
        self.assertLess(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, MAX_RSS_KIB,
                        template[:80])
        return r

    def assert_fails_with(self, template, message, code=1):
        """Exit 1 for an execution error, 64 for a parse error, as docker."""
        r = self.inspect_f(template)
        self.assertEqual(r.code, code, r)
        self.assertIn(message, r.err)
        self.assertEqual(r.err.count("\n"), 1, r.err[:300])
        return r

    def test_deep_nesting_is_a_parse_error(self):
        for n in (5000, 20000):
            self.assert_fails_with("{{" + "(" * n + "1" + ")" * n + "}}", "nesting too deep", code=64)
        for n in (6000, 8500):
            self.assert_fails_with("{{if 1}}" * n + "x" + "{{end}}" * n, "nesting too deep", code=64)
        r = self.inspect_f("{{" + "(" * 100 + ".Os" + ")" * 100 + "}}")
        self.assertEqual((r.code, r.out), (0, "linux\n"))

    def test_printf_widths_follow_fmt(self):
        # docker 28 prints exactly these.
        for template, want in [
                ('{{printf "%9999999999d" 1}}', "%!(NOVERB)%!(EXTRA int=1)"),
                ('{{printf "%*d|" -2147483648 1}}', "%!(BADWIDTH)1|"),
                ('{{printf "%2147483647s" "a"}}', "%!(NOVERB)%!(EXTRA string=a)"),
                ('{{printf "%.999999999f" 1.5}}', "%!(NOVERB)%!(EXTRA float64=1.5)"),
                ('{{printf "%600d" 7}}', " " * 599 + "7"),
                ('{{len (printf "%1000000s" "a")}}', "1000000")]:
            r = self.inspect_f(template)
            self.assertEqual((r.code, r.out), (0, want + "\n"), template)

    def test_huge_results_are_refused(self):
        for template in ['{{pad "x" 100000000000000 0}}', '{{pad "x" 4000000000 0}}']:
            self.assert_fails_with(template, "error calling pad: result too large")
        self.assert_fails_with("{{range $.RepoTags}}" * 8 +
                               '{{printf "%10000000d" 1}}' + "{{end}}" * 8,
                               "result too large")

    def test_nested_ranges_stop(self):
        # 3^19 iterations: docker ran 66 s and held 1.16 GB.
        self.assert_fails_with("{{range $.RepoTags}}" * 19 + "{{.}}" + "{{end}}" * 19,
                               "template execution takes more than 10000000 steps")

    def test_recursive_templates_stop(self):
        self.assert_fails_with('{{define "r"}}{{template "r"}}{{end}}{{template "r"}}',
                               "exceeded maximum template depth (1000)")
