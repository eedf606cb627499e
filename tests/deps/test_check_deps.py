"""check_deps.py on small made-up trees: what it must catch and what it must let pass."""
import os
import shutil
import tempfile
import unittest

import check_deps

DESIGN = """# design
## Modules (`src/<module>/`)
| module | owns | may use |
|---|---|---|
| `base` | `Result<T>`, fds \\| files | |
| `tar` | layers | base |
| `cli` | commands | base, tar |

## Next section
| `ghost` | not a module row: outside the section | base |
"""


class CheckDepsTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="check-deps-")
        self.addCleanup(shutil.rmtree, self.root)
        self.write("docs/design.md", DESIGN)
        self.write("src/base/io.h", '#include "base/result.h"\n')
        self.write("src/tar/apply.cc", '#include "tar/apply.h"\n#include "base/io.h"\n')
        self.write("src/cli/main.cc", '#include "tar/apply.h"\n#include <vector>\n')
        self.write("src/main.cc", '#include "cli/main.h"\n')

    def write(self, rel, text):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def test_clean_tree_passes(self):
        self.assertEqual(check_deps.check(self.root), [])

    def test_include_of_unlisted_module_is_reported_with_file_and_line(self):
        self.write("src/base/file.cc", '// x\n#include "base/io.h"\n  #  include "tar/apply.h"\n')
        problems = check_deps.check(self.root)
        self.assertEqual(len(problems), 1, problems)
        self.assertTrue(problems[0].startswith('src/base/file.cc:3: base includes "tar/apply.h"'),
                        problems)

    def test_main_cc_belongs_to_cli(self):
        self.write("src/main.cc", '#include "cli/main.h"\n#include "tar/apply.h"\n')
        self.assertEqual(check_deps.check(self.root), [])
        self.write("src/tar/x.h", '#include "cli/main.h"\n')
        self.assertEqual(len(check_deps.check(self.root)), 1)

    def test_directory_without_row_fails(self):
        self.write("src/net/http.cc", '#include "base/io.h"\n')
        problems = check_deps.check(self.root)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("src/net/", problems[0])

    def test_rows_outside_the_section_do_not_count(self):
        self.write("src/ghost/g.cc", "")
        self.assertIn("src/ghost/", " ".join(check_deps.check(self.root)))

    def test_unknown_name_in_may_use_fails(self):
        self.write("docs/design.md", DESIGN.replace("| base, tar |", "| base, tarr |"))
        self.assertIn("'tarr'", " ".join(check_deps.check(self.root)))

    def test_missing_table_fails(self):
        self.write("docs/design.md", "# design\n")
        self.assertNotEqual(check_deps.check(self.root), [])

    def test_stray_top_level_file_fails(self):
        self.write("src/util.cc", "")
        self.assertIn("src/util.cc", " ".join(check_deps.check(self.root)))


if __name__ == "__main__":
    unittest.main()
