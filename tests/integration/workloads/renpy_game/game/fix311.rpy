# SPDX-License-Identifier: BSD-2-Clause
# Debian 12's Ren'Py 8.0.3 on its Python 3.11 refuses the screens it
# compiles ("AST node line range (44, 1) is not valid": expressions whose
# end_lineno precedes their lineno) and no game starts. This compiles
# screen expressions with their end lines fixed, and nothing else.
python early:
    import ast as _pmt_ast
    import renpy.sl2.slast as _pmt_slast

    def _pmt_compile_expr(loc, node):
        expr = _pmt_ast.Expression(body=node)
        _pmt_ast.fix_missing_locations(expr)
        for n in _pmt_ast.walk(expr):
            if getattr(n, "end_lineno", None) is not None and n.end_lineno < n.lineno:
                n.end_lineno = n.lineno
        if loc[0] in renpy.python.py3_files:
            flags = renpy.python.py3_compile_flags
        else:
            flags = renpy.python.new_compile_flags
        return compile(expr, loc[0], "eval", flags, 1)

    _pmt_slast.compile_expr = _pmt_compile_expr
