"""Label throughput: 1,000 volume labels to an A4 PDF and 1,000 ZPL labels; prints labels/s, peak memory, size.

    python bench/labels_bench.py [--n 1000] [--runs 3] [--prove]

--prove also rasterises the PDF at 200 dpi and decodes every label with zxing-cpp (the fixed QR mask must
scan on every label, not just on average). Other work on the machine skews the figures: the load average
is printed with them.
"""
import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labels import fonts, layouts, sheets  # noqa: E402
from labels.render.pdf import render_pdf  # noqa: E402
from labels.render.zpl import render_zpl  # noqa: E402

BASE = "http://127.0.0.1:8000"
TITLE = "关于加强档案数字化外包安全管理工作的会议纪要及相关文件汇编"


def volumes(n: int) -> list:
    return [SimpleNamespace(code=f"V{i:08d}", archive_no=f"J012-WS·2019-Y-{i:04d}", title=f"{TITLE}（第{i}册）")
            for i in range(1, n + 1)]


def pdf_job(items, sheet):
    labels_ = [layouts.volume_label(it, f"{BASE}/i/{it.code}", sheet.label_w, sheet.label_h) for it in items]
    return render_pdf(sheet, labels_)


def zpl_job(items, sheet, dpi):
    labels_ = [layouts.volume_label(it, f"{BASE}/i/{it.code}", sheet.label_w, sheet.label_h) for it in items]
    return render_zpl(labels_, dpi=dpi)


def timed(fn, runs):
    """(median wall seconds, median CPU seconds of this process, last result): on a shared machine the CPU
    time says what the code costs, the wall time what a user waited."""
    walls, cpus, out = [], [], None
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--prove", action="store_true")
    args = ap.parse_args()
    fonts.reportlab_font()  # font loading is once per process, not per job
    items = volumes(args.n)
    a4 = sheets.get_sheet("a4-3x8")
    roll = sheets.get_sheet("roll-50x30")
    pdf_job(items[:24], a4)  # warm caches (font subsets, imports)

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    t_pdf, c_pdf, pdf = timed(lambda: pdf_job(items, a4), args.runs)
    tracemalloc.start()
    pdf_job(items, a4)
    _, peak_pdf = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"PDF  {args.n} volume labels on A4 3×8 ({-(-args.n // 24)} pages): {t_pdf:.3f} s median of "
          f"{args.runs} → {args.n / t_pdf:,.0f} labels/s wall, {args.n / c_pdf:,.0f} labels/s of CPU; {len(pdf):,} bytes "
          f"({len(pdf) / args.n * 1000 / 1e6:.2f} MB per 1,000 labels); peak Python memory {peak_pdf / 1e6:.1f} MB")
    for dpi in (203, 300):
        t_zpl, c_zpl, zpl = timed(lambda dpi=dpi: zpl_job(items, roll, dpi), args.runs)
        print(f"ZPL  {args.n} volume labels, 50×30 mm roll at {dpi} dpi: {t_zpl:.3f} s → {args.n / t_zpl:,.0f} "
              f"labels/s wall, {args.n / c_zpl:,.0f} labels/s of CPU; {len(zpl):,} bytes (Chinese text as ^GF graphics)")
    print(f"process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.prove:
        import pypdfium2 as pdfium
        import zxingcpp

        doc = pdfium.PdfDocument(pdf)
        ok = 0
        s = 200 / 25.4
        for p in range(len(doc)):
            img = doc[p].render(scale=200 / 72, grayscale=True).to_pil()
            for slot in range(24):
                i = p * 24 + slot
                if i >= args.n:
                    break
                x, y = a4.slot(slot)
                crop = img.crop((round(x * s), round(y * s), round((x + a4.label_w) * s),
                                 round((y + a4.label_h) * s)))
                code = items[i].code
                if sorted(r.text for r in zxingcpp.read_barcodes(crop)) == sorted([code, f"{BASE}/i/{code}"]):
                    ok += 1
        print(f"decode proof at 200 dpi: {ok}/{args.n} labels gave exactly their code and URL")
        return 0 if ok == args.n else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
