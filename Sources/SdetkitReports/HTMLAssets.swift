import SdetkitCore

/// The dashboard's inline stylesheet and script. Nothing here is user data; nothing refers outside the file.
enum HTMLAssets {
    static let css = """
    :root{--bg:#f6f8fa;--fg:#1f2328;--muted:#59636e;--card:#ffffff;--border:#d1d9e0;--grid:#e6eaef;
    --ok:#1a7f37;--bad:#cf222e;--warn:#bf8700;--accent:#0969da;--okbg:#dafbe1;--badbg:#ffebe9;--warnbg:#fff8c5}
    @media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--card:#151b23;--border:#3d444d;
    --grid:#262c36;--ok:#3fb950;--bad:#f85149;--warn:#d29922;--accent:#4493f8;--okbg:#12261e;--badbg:#2d1518;--warnbg:#272115}}
    *{box-sizing:border-box}
    body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
    header,main,footer{max-width:1200px;margin:0 auto;padding:0 20px}
    header{padding-top:24px}
    h1{font-size:24px;margin:0 0 4px}
    h2{font-size:16px;margin:0 0 12px}
    .meta,.note,footer{color:var(--muted)}
    .meta{margin:0 0 20px}
    code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
    .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px;margin-bottom:16px}
    .card,section{background:var(--card);border:1px solid var(--border);border-radius:8px}
    .card{padding:12px 14px}
    .card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
    .card .value{font-size:26px;font-weight:600;margin:2px 0}
    .card .sub{color:var(--muted);font-size:12px}
    .good{color:var(--ok)}.bad{color:var(--bad)}.warn{color:var(--warn)}
    section{padding:16px;margin-bottom:16px;overflow-x:auto}
    .grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}
    .grid2>section{margin-bottom:16px}
    table{border-collapse:collapse;width:100%}
    th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--grid);vertical-align:top}
    th{color:var(--muted);font-weight:600;font-size:12px;white-space:nowrap}
    td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
    tr:last-child td{border-bottom:0}
    th button{all:inherit;cursor:pointer}
    th button::after{content:" \\2195";opacity:.4}
    th[aria-sort=ascending] button::after{content:" \\2191";opacity:1}
    th[aria-sort=descending] button::after{content:" \\2193";opacity:1}
    td.task{max-width:420px;overflow-wrap:anywhere}
    td.when{white-space:nowrap}
    .card .pill{font-size:16px;padding:2px 12px;border-radius:14px}
    .pill{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:600}
    .pill.ok{background:var(--okbg);color:var(--ok)}.pill.failed{background:var(--badbg);color:var(--bad)}
    .pill.denied{background:var(--warnbg);color:var(--warn)}
    .dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:3px;vertical-align:middle}
    .dot.ok{background:var(--ok)}.dot.failed{background:var(--bad)}.dot.denied{background:var(--warn)}
    .bar{height:10px;background:var(--grid);border-radius:5px;overflow:hidden;margin-top:6px}
    .bar span{display:block;height:100%;background:var(--ok)}
    .bar.over span{background:var(--bad)}
    .chart{width:100%;height:auto;display:block}
    .chart text{fill:var(--muted);font-size:11px}
    .chart .axis{stroke:var(--grid)}
    .chart .b-ok{fill:var(--ok)}.chart .b-failed{fill:var(--bad)}.chart .b-denied{fill:var(--warn)}
    .chart .rate{fill:none;stroke:var(--accent);stroke-width:2}
    .chart .pt{fill:var(--accent)}
    .spark{max-width:420px}
    .legend{display:flex;gap:16px;color:var(--muted);font-size:12px;margin-top:6px}
    .legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle;border-radius:2px}
    .tools{display:flex;gap:12px;align-items:center;margin-bottom:8px}
    input[type=search]{font:inherit;color:inherit;background:var(--bg);border:1px solid var(--border);border-radius:6px;padding:4px 8px;min-width:260px}
    dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
    dl.kv dt{color:var(--muted)}dl.kv dd{margin:0}
    footer{padding-bottom:32px;font-size:12px}
    """

    /// Enhances the plain failed-runs table: click a header to sort, type to filter. The page works without it.
    /// `#q=TEXT&sort=COLUMN&dir=asc|desc` in the URL opens a filtered, sorted view.
    static let script = """
    (function () {
      var table = document.getElementById('failures');
      var input = document.getElementById('failures-filter');
      if (!table || !input) { return; }
      var body = table.tBodies[0];
      var heads = table.tHead.rows[0].cells;
      var rows = Array.prototype.slice.call(body.rows);
      var count = document.getElementById('failures-count');
      function key(row, i) {
        var c = row.cells[i];
        return c.hasAttribute('data-v') ? c.getAttribute('data-v') : c.textContent.toLowerCase();
      }
      function filter() {
        var q = input.value.trim().toLowerCase();
        var shown = 0;
        rows.forEach(function (r) {
          var hit = !q || r.textContent.toLowerCase().indexOf(q) >= 0;
          r.hidden = !hit;
          if (hit) { shown += 1; }
        });
        count.textContent = q ? shown + ' of ' + rows.length + ' rows match' : '';
      }
      function sortBy(i, dir) {
        var numeric = heads[i].getAttribute('data-type') === 'num';
        rows.sort(function (a, b) {
          var x = key(a, i), y = key(b, i);
          var c = numeric ? Number(x) - Number(y) : (x < y ? -1 : (x > y ? 1 : 0));
          return c * dir || Number(key(b, 0)) - Number(key(a, 0));
        });
        rows.forEach(function (r) { body.appendChild(r); });
        for (var k = 0; k < heads.length; k += 1) { heads[k].removeAttribute('aria-sort'); }
        heads[i].setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
      }
      Array.prototype.forEach.call(heads, function (th, i) {
        var b = document.createElement('button');
        b.type = 'button';
        b.textContent = th.textContent;
        th.textContent = '';
        th.appendChild(b);
        b.addEventListener('click', function () {
          sortBy(i, th.getAttribute('aria-sort') === 'ascending' ? -1 : 1);
        });
      });
      input.hidden = false;
      input.addEventListener('input', filter);
      var params = {};
      location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
        var p = kv.split('=');
        try { if (p[0]) { params[decodeURIComponent(p[0])] = decodeURIComponent(p.slice(1).join('=')); } } catch (e) { }
      });
      if (params.sort) {
        for (var i = 0; i < heads.length; i += 1) {
          if (heads[i].getAttribute('data-key') === params.sort) { sortBy(i, params.dir === 'desc' ? -1 : 1); }
        }
      }
      if (params.q) { input.value = params.q; filter(); }
      document.documentElement.setAttribute('data-enhanced', 'yes');
    })();
    """

    /// `'sha256-…'` of the script, for a Content-Security-Policy that allows exactly this script and nothing else.
    static let scriptHash: String = "sha256-" + Base64.encode(Base64.fromHex(Digest.sha256Hex(script)))

    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; script-src '\(scriptHash)'; img-src data:; base-uri 'none'; form-action 'none'"
}
