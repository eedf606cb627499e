"""The terminal emulator the pty tests replay berth's progress output through."""
import unittest

from terminal import Terminal, render_terminal


def new_row(text):
    """What berth (and Docker) write for a row's first appearance."""
    return "\n\x1b[1A\x1b[2K\r" + text + "\r\x1b[1B"


def redraw(up, text):
    return f"\x1b[{up}A\x1b[2K\r{text}\r\x1b[{up}B"


class TerminalTest(unittest.TestCase):
    def test_progress_rows_redraw_in_place(self):
        out = ("latest: Pulling from library/busybox\n"
               + new_row("aaa: Pulling fs layer")
               + new_row("bbb: Waiting")
               + redraw(2, "aaa: Downloading [=====>   ]  1MB/3MB")
               + redraw(1, "bbb: Already exists")
               + redraw(2, "aaa: Pull complete")
               + "Digest: sha256:abc\n")
        term = Terminal()
        term.feed(out.encode())
        self.assertEqual(term.screen(), ["latest: Pulling from library/busybox",
                                         "aaa: Pull complete", "bbb: Already exists",
                                         "Digest: sha256:abc"])
        self.assertTrue(term.settled())
        self.assertEqual(render_terminal(out), term.screen())

    def test_erase_modes_and_overwrite(self):
        self.assertEqual(render_terminal("hello world\rHEL"), ["HELlo world"])
        self.assertEqual(render_terminal("hello world\r\x1b[6C\x1b[K!"), ["hello !"])
        self.assertEqual(render_terminal("hello world\r\x1b[4C\x1b[1K"), ["      world"])
        self.assertEqual(render_terminal("hello\x1b[2Kx"), ["     x"])
        self.assertEqual(render_terminal("ab\bX\x1b[1GY"), ["YX"])
        self.assertEqual(render_terminal("\x1b[1;32mgreen\x1b[0m"), ["green"])

    def test_not_settled_when_cut_short(self):
        for out in ["row\r\x1b[1", "half a row", "row\n\x1b[1Arow2\r"]:
            term = Terminal()
            term.feed(out)
            self.assertFalse(term.settled(), out)
        term = Terminal()
        term.feed(new_row("aaa: Waiting"))
        self.assertTrue(term.settled())

    def test_feed_in_pieces_including_inside_escapes_and_utf8(self):
        data = ("é\n" + new_row("aaa: Downloading") + redraw(1, "aaa: done")).encode()
        term = Terminal()
        for b in data:
            term.feed(bytes([b]))
        self.assertEqual(term.screen(), ["é", "aaa: done"])
        self.assertTrue(term.settled())

    def test_wraps_at_the_width_with_deferred_wrap(self):
        # Exactly the width, then CR: no wrap (the row stays one line).
        self.assertEqual(render_terminal("abcde\rX", columns=5), ["Xbcde"])
        # One more character wraps, which breaks a redraw one line up.
        term = Terminal(columns=5)
        term.feed("\n\x1b[1A\x1b[2K\rabcdef\r\x1b[1B")
        self.assertEqual(term.screen(), ["abcde", "f"])
        term.feed(redraw(1, "xyz"))
        self.assertEqual(term.screen(), ["abcde", "xyz"])

    def test_height_bounds_cursor_up_and_keeps_scrollback(self):
        term = Terminal(lines=3)
        term.feed("one\ntwo\nthree\nfour\n")
        self.assertEqual(term.visible(), ["three", "four", ""])
        term.feed("\x1b[9AX\r\x1b[9B")  # cannot leave the screen
        self.assertEqual(term.screen(), ["one", "two", "Xhree", "four"])
        self.assertEqual(term.row, term.top + 2)

    def test_unknown_escapes_are_errors(self):
        with self.assertRaises(ValueError):
            render_terminal("\x1b[?25l")
        with self.assertRaises(ValueError):
            render_terminal("\x1b]0;title\x07")


if __name__ == "__main__":
    unittest.main()
