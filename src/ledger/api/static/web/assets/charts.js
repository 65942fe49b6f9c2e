// Charts with the vendored ECharts (an ES module, no build step). SVG rendering: crisp on
// screen, and in print and PDF the text stays text.
import * as echarts from "./vendor/echarts/echarts.esm.min.js";
import { h } from "./ui.js";

export const COLORS = ["#c8102e", "#1d4ed8", "#067647", "#a15c07", "#6d28d9", "#0e7490", "#9f1239", "#4d7c0f"];
const FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';

const live = new Set();

/** A chart in a new element: `option` is an ECharts option (animation off, so a printed or
 * screenshot chart is complete at once). */
export function chart(option, { className = "chart", id } = {}) {
  const el = h("div", { class: className, id });
  let tries = 0;
  const init = () => {
    if (!el.isConnected) {
      if (++tries < 600) requestAnimationFrame(init); // drawn once the page has placed it
      return;
    }
    const c = echarts.init(el, null, { renderer: "svg" });
    c.setOption({ animation: false, color: COLORS, textStyle: { fontFamily: FONT }, ...option });
    live.add(c);
    el.dataset.chart = "ready";
  };
  queueMicrotask(init);
  return el;
}

export function disposeCharts() {
  for (const c of live) c.dispose();
  live.clear();
}

window.addEventListener("resize", () => live.forEach((c) => c.resize()));
window.addEventListener("beforeprint", () => live.forEach((c) => c.resize()));
