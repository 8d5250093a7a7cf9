"""Document-level resolution: who a referring expression (a name, a title, a description, a
pronoun) stands for, asked by the quote rules.

Modules: `speakers` (who a speaker token is), `pronouns` (antecedents and salience),
`descriptions` (documents and campaigns for their organisation), `gender` (people's gender).
"""

import pipeline.quotes  # noqa: F401  (the quote package first: its attribution rules import this one)
