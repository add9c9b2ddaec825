// Apache ECharts, vendored under /dashboard/static/vendor and loaded on the first chart.
let loading = null;

function loadECharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/dashboard/static/vendor/echarts.simple.min.js';
    script.onload = () => resolve(window.echarts);
    script.onerror = () => reject(new Error('chart library failed to load'));
    document.head.appendChild(script);
  });
  return loading;
}

export async function lineChart(el, periods, values, name) {
  const echarts = await loadECharts();
  const chart = echarts.init(el, null, { renderer: 'canvas' });
  chart.setOption({
    animation: false, grid: { left: 40, right: 20, top: 20, bottom: 30 }, tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: periods }, yAxis: { type: 'value', min: (v) => Math.max(0, Math.floor(v.min - 5)), max: 100 },
    series: [{ name, type: 'line', data: values, connectNulls: false, label: { show: true, formatter: (p) => (p.value == null ? '' : Number(p.value).toFixed(2)) } }],
  });
  window.addEventListener('resize', () => chart.resize());
  return chart;
}
