import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { longDate } from './ui.js';

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, AriaComponent, CanvasRenderer]);

export interface Week {
  /** The Monday the week starts on. */
  readonly week: string;
  readonly letters: number;
  readonly responses: number;
}

export interface WeeklyChart {
  readonly el: HTMLElement;
  show(weeks: readonly Week[]): void;
  dispose(): void;
}

/** The same colours as the analysts' charts: enough contrast on white and against each other. */
const COLOURS = { letters: '#1a5e9a', responses: '#c77c02' };

/** Letters delivered and responses received per week, side by side; it follows its element's size. */
export function weeklyChart(el: HTMLElement): WeeklyChart {
  const chart = echarts.init(el, undefined, { renderer: 'canvas' });
  // Readers who asked for less motion get the chart without its entry animation.
  if (window.matchMedia('(prefers-reduced-motion: reduce)').matches) chart.setOption({ animation: false });
  const resize = new ResizeObserver(() => chart.resize());
  resize.observe(el);
  return {
    el,
    show(weeks) {
      chart.setOption({
        aria: { enabled: true },
        tooltip: { trigger: 'axis', formatter: (items: any[]) => [`Week of ${longDate(items[0].name)}`, ...items.map((i) => `${i.marker}${i.seriesName}: ${i.value}`)].join('<br>') },
        legend: { top: 0 },
        grid: { left: 36, right: 12, top: 36, bottom: 28 },
        xAxis: { type: 'category', data: weeks.map((w) => w.week) },
        yAxis: { type: 'value', minInterval: 1 },
        series: [
          { name: 'Letters delivered', type: 'bar', data: weeks.map((w) => w.letters), itemStyle: { color: COLOURS.letters } },
          { name: 'Responses received', type: 'bar', data: weeks.map((w) => w.responses), itemStyle: { color: COLOURS.responses } },
        ],
      });
    },
    dispose() {
      resize.disconnect();
      chart.dispose();
    },
  };
}
