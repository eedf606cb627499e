"""A minimal terminal emulator, to check what berth draws on a pseudo-terminal.

Progress displays (pull, push) redraw rows in place with cursor movements, so
their raw bytes say little; replaying them here gives the screen a person
would see. It understands what berth's display emits and a little more:
printable text (UTF-8), CR, LF (as CR LF, like a tty's default onlcr), BS,
TAB, and the CSI sequences ESC[nA (up), ESC[nB (down), ESC[nC (forward),
ESC[nD (back), ESC[nG (column), ESC[nK (erase in line: 0, 1, 2) and ESC[...m
(colours, ignored). Anything else raises ValueError: a test should notice
when berth starts emitting something new.

    term = Terminal(columns=120, lines=40)
    term.feed(output_bytes)
    term.screen()      # every line, scrollback included, trailing blanks cut
    term.settled()     # cursor at column 0 below all text, no escape cut short

render_terminal(data) is the one-call form.
"""

CSI_FINALS = "ABCDGKm"


class Terminal:
    def __init__(self, columns=None, lines=None):
        """columns: wrap there (None: never wrap); lines: screen height, which
        bounds cursor movement and scrolls older lines into the scrollback
        (None: an endless screen)."""
        self.columns = columns
        self.height = lines
        self.buffer = [[]]     # scrollback and screen, one list of chars per line
        self.top = 0           # index in buffer of the screen's first line
        self.row = 0           # cursor, as an index in buffer
        self.col = 0
        self.pending_wrap = False  # the last column was written (deferred wrap)
        self._partial = ""     # an escape sequence cut off at the end of a feed
        self._decoder = None

    # ---- input ----

    def feed(self, data):
        """Feeds bytes (decoded as UTF-8, possibly split anywhere) or str."""
        if isinstance(data, (bytes, bytearray)):
            if self._decoder is None:
                import codecs
                self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
            data = self._decoder.decode(bytes(data))
        text = self._partial + data
        self._partial = ""
        i = 0
        while i < len(text):
            c = text[i]
            if c == "\x1b":
                end = self._escape(text, i)
                if end is None:  # incomplete: wait for more
                    self._partial = text[i:]
                    return
                i = end
                continue
            self._char(c)
            i += 1

    def _escape(self, text, i):
        """Handles the sequence at text[i]; returns the index after it, or None
        when text ends inside it."""
        if i + 1 >= len(text):
            return None
        if text[i + 1] != "[":
            raise ValueError(f"unsupported escape {text[i:i + 2]!r}")
        j = i + 2
        while j < len(text) and (text[j].isdigit() or text[j] == ";"):
            j += 1
        if j >= len(text):
            return None
        final, params = text[j], text[i + 2:j]
        if final not in CSI_FINALS:
            raise ValueError(f"unsupported escape {text[i:j + 1]!r}")
        self._csi(final, params)
        return j + 1

    def _csi(self, final, params):
        if final == "m":
            return
        n = int(params) if params.isdigit() else None
        self.pending_wrap = False
        if final == "A":
            self.row = max(self.top, self.row - (n or 1))
        elif final == "B":
            self.row += n or 1
            if self.height is not None:
                self.row = min(self.row, self.top + self.height - 1)
            self._ensure_row()
        elif final == "C":
            self.col += n or 1
            if self.columns is not None:
                self.col = min(self.col, self.columns - 1)
        elif final == "D":
            self.col = max(0, self.col - (n or 1))
        elif final == "G":
            self.col = max(0, (n or 1) - 1)
        elif final == "K":
            line = self.buffer[self.row]
            mode = n or 0
            if mode == 0:
                del line[self.col:]
            elif mode == 1:
                for k in range(min(self.col + 1, len(line))):
                    line[k] = " "
            elif mode == 2:
                line.clear()
            else:
                raise ValueError(f"unsupported erase mode {mode}")

    def _char(self, c):
        if c == "\r":
            self.col = 0
            self.pending_wrap = False
        elif c == "\n":
            self.col = 0
            self.pending_wrap = False
            self._line_feed()
        elif c == "\b":
            self.col = max(0, self.col - 1)
            self.pending_wrap = False
        elif c == "\t":
            self.col = (self.col // 8 + 1) * 8
            if self.columns is not None:
                self.col = min(self.col, self.columns - 1)
        elif c < " " or c == "\x7f":
            return  # BEL and friends draw nothing
        else:
            self._put(c)

    def _put(self, c):
        if self.pending_wrap:
            self.pending_wrap = False
            self.col = 0
            self._line_feed()
        line = self.buffer[self.row]
        if len(line) <= self.col:
            line.extend(" " * (self.col + 1 - len(line)))
        line[self.col] = c
        self.col += 1
        if self.columns is not None and self.col >= self.columns:
            self.col = self.columns - 1
            self.pending_wrap = True

    def _line_feed(self):
        self.row += 1
        if self.height is not None and self.row >= self.top + self.height:
            self.top = self.row - self.height + 1
        self._ensure_row()

    def _ensure_row(self):
        while len(self.buffer) <= self.row:
            self.buffer.append([])

    # ---- output ----

    def screen(self):
        """All lines (scrollback included), trailing spaces and trailing blank
        lines cut."""
        lines = ["".join(line).rstrip() for line in self.buffer]
        while lines and not lines[-1]:
            lines.pop()
        return lines

    def visible(self):
        """The lines on the screen now (all of them without a height)."""
        end = len(self.buffer) if self.height is None else self.top + self.height
        return ["".join(line).rstrip() for line in self.buffer[self.top:end]]

    def settled(self):
        """True when the output ended cleanly: no escape sequence cut short,
        the cursor at column 0 and nothing written on or below its line, so
        whatever prints next (a shell prompt, an error) starts on a fresh line
        and no row is left half-drawn above it."""
        if self._partial or self.col != 0 or self.pending_wrap:
            return False
        return all(not "".join(line).strip() for line in self.buffer[self.row:])


def render_terminal(data, columns=None, lines=None):
    """The screen after data (bytes or str): a list of lines, as
    Terminal.screen()."""
    term = Terminal(columns=columns, lines=lines)
    term.feed(data)
    return term.screen()
