"""Teaching the vicious cycle: one person's story, the causal-loop diagram, the ODD document and
the browser dashboard. May import every other layer; nothing imports it but the command line.
"""
