# @right
# Attack: active content in outputs: HTML with a script and event handlers,
# JavaScript, SVG with onload and a script, and markdown with raw HTML. Each
# carries the marker, so the tests can tell it from the page's own scripts.
from IPython.display import HTML, Javascript, Markdown, display

_M = "corpus-xss-@@MARKER@@"
display(
    HTML(
        f'<script>window.pwned = "{_M}";</script>'
        f'<img src="x" onerror="alert(\'{_M}\')">'
        f'<a href="javascript:alert(1)" onclick="alert(2)">{_M}</a>'
        f'<iframe srcdoc="<script>alert(3)</script>"></iframe>'
    )
)
display(Javascript(f'alert("{_M}")'))
display(
    {
        "image/svg+xml": f'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        f"<script>/*{_M}*/</script></svg>"
    },
    raw=True,
)
display(Markdown(f'<script>/*{_M}*/</script><b onmouseover="alert(1)">{_M}</b>'))
