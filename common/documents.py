"""The A4 documents a family keeps (a scholarship application's receipt and
decision, an enrollment's receipt): the establishment's name, the title, then
label/value rows and paragraphs, in Roboto (the pinned `font-roboto`
package), which covers every Latin name and the French no-break spaces that
fpdf2's core fonts do not. Each service writes its own content; the texts go
through its French typography (`typo`)."""
import font_roboto
from fpdf import FPDF


class Document(FPDF):
    def __init__(self, title: str, author: str, typo, label_width: float, wrap_values: bool):
        super().__init__(format="A4")
        self.typo, self.label_width, self.wrap_values = typo, label_width, wrap_values
        self.add_font("Roboto", "", font_roboto.Roboto)
        self.add_font("Roboto", "B", font_roboto.RobotoBold)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_margins(20, 20, 20)
        self.set_title(title)
        self.set_author(author)
        self.add_page()
        self.set_font("Roboto", "B", 11)
        self.paragraph(author, 6)
        self.ln(8)
        self.set_font("Roboto", "B", 16)
        self.paragraph(title, 8)
        self.ln(4)

    def paragraph(self, text: str, height: float = 6) -> None:
        self.multi_cell(0, height, self.typo(text), new_x="LMARGIN", new_y="NEXT")

    def rows(self, rows: list[tuple[str, str]]) -> None:
        """A two-column table: the labels in regular, the values in bold
        (wrapped within their cell when `wrap_values`)."""
        for label, value in rows:
            self.set_font("Roboto", "", 10)
            self.cell(self.label_width, 8, self.typo(label), border=1)
            self.set_font("Roboto", "B", 10)
            write = self.multi_cell if self.wrap_values else self.cell
            write(0, 8, self.typo(value), border=1, new_x="LMARGIN", new_y="NEXT")
        self.ln(6)
        self.set_font("Roboto", "", 10)
