// Chinese first; English on demand. Missing keys fall back to Chinese, then to the key itself.
import { CODES } from './text/codes.js';
import { PAGES } from './text/pages.js';
import { REVIEW } from './text/review.js';

const BASE = {
  zh: {
    brand: '抄核收质量管控', signout: '退出', switch: 'English', loading: '加载中…', empty: '暂无数据',
    'nav.overview': '总览', 'nav.station': '供电所', 'nav.tickets': '稽核传单', 'nav.alerts': '告警',
    'nav.credit': '信用风险', 'nav.channels': '缴费渠道',
    'signin.title': '登录', 'signin.hint': '粘贴访问令牌（JWT）。令牌只保存在本浏览器标签页中，关闭即失效。',
    'signin.mint': '管理员可用 m2c token create --role station --unit 单位编码 生成令牌。',
    'signin.submit': '登录', 'signin.bad': '令牌格式不正确', 'signin.rejected': '令牌无效或已过期，请重新登录',
    'signin.expired': '令牌已过期，请重新登录',
    period: '月份', unit: '单位', county: '县区局', station: '供电所', rank: '排名', score: '得分',
    mom: '环比', light: '灯色', name: '名称', noPeriods: '尚无已评分的月份',
    'ov.title': '月度总览', 'ov.counties': '县区局排名', 'ov.stations': '供电所排名', 'ov.lights': '电费回收红黄绿灯',
    'ov.scored': '参评供电所', 'ov.incompleteStations': '数据不全供电所（不排名）', 'ov.incomplete': '数据不全',
    'ov.missing': '缺', 'ov.topScore': '综合得分', 'ov.topRecovery': '电费回收率（年累计）',
    'ov.lightCounts': '各层级回收率灯数', 'ov.level': '层级', 'ov.noLights': '本月尚无回收率数据', 'ov.recovery': '回收率', 'ov.arrears': '陈欠进度',
    'level.city': '市局', 'level.county': '县区局', 'level.station': '供电所',
    'fact.readings_planned': '应抄户数', 'fact.readings_done': '实抄户数', 'fact.uploads_overdue': '超期上传',
    'fact.one_stop_due': '一站式应办', 'fact.one_stop_done': '一站式已办', 'fact.bills_issued': '发行账单数',
    'fact.bills_erroneous': '差错账单数', 'fact.anomalies_overdue': '超期异常', 'fact.receivable_rollbacks': '应收退补',
    'fact.recon_due': '应对账', 'fact.recon_done': '已对账', 'fact.writeoffs_next_day': '次日销账',
    'fact.recovery': '电费回收数据',
    'light.red': '红灯', 'light.yellow': '黄灯', 'light.green': '绿灯', 'light.none': '无数据',
    'st.title': '供电所评分', 'st.stages': '环节得分', 'st.indicators': '指标明细', 'st.weakest': '短板指标',
    'st.trend': '近12个月得分趋势', 'st.value': '指标值', 'st.lost': '失分', 'st.weight': '权重',
    'st.forbidden': '无权查看该单位', 'st.none': '本月没有该所的评分', 'st.noTrend': '暂无趋势数据',
    'st.recovery': '回收率', 'st.redInd': '红色指标', 'st.noData': '无数据', 'st.unranked': '数据不全，不参与排名',
    'tk.title': '稽核工作传单', 'tk.due': '期限', 'tk.left': '剩余 {n} 个工作日', 'tk.today': '今日到期',
    'tk.over': '超期 {n} 个工作日', 'tk.noDue': '无期限', 'tk.noCal': '缺少 {y} 年工作日历',
    'tk.esc': '{n} 级督办', 'tk.total': '共 {n} 张', 'tk.overdueOnly': '只看超期',
    'state.issued': '已下发', 'state.coordinated': '已协调', 'state.received': '已接收',
    'state.investigating': '核查中', 'state.reported': '已反馈', 'state.closed': '已关闭',
    'reason.low_score': '得分偏低', 'reason.repeated_red_indicator': '指标连续红色',
    'reason.unrectified_anomalies': '异常未整改', 'reason.manual': '人工发起',
    'al.title': '告警', 'al.state': '状态', 'al.severity': '级别', 'al.all': '全部', 'al.type': '类型',
    'al.summary': '摘要', 'al.count': '次数', 'al.last': '最近发生', 'al.ack': '确认', 'al.acked': '已确认',
    'al.ackedBy': '确认人', 'al.apply': '筛选', 'al.ackDone': '已确认告警', 'al.more': '还有更多告警，请缩小筛选范围',
    'alstate.firing': '告警中', 'alstate.acknowledged': '已确认', 'alstate.resolved': '已恢复',
    'sev.critical': '严重', 'sev.warning': '警告', 'sev.info': '提示',
    'cr.title': '客户信用风险', 'cr.byUnit': '各单位风险客户', 'cr.customers': '风险客户明细', 'cr.atRisk': '风险客户',
    'cr.large': '大客户', 'cr.arrears': '欠费', 'cr.grade': '信用等级', 'cr.months': '逾期月数', 'cr.reasons': '原因',
    'cr.customer': '户号', 'cr.count': '户数',
    'ch.title': '缴费渠道达标', 'ch.compliant': '达标', 'ch.notCompliant': '未达标', 'ch.area': '区域',
    'ch.offered': '已开通', 'ch.target': '要求', 'ch.types': '渠道', 'ch.summary': '达标 {a} / {b} 个单位',
    'area.urban': '城区', 'area.rural': '农村',
    yes: '是', no: '否', forbidden: '没有权限', notFound: '未找到', failed: '加载失败：{m}',
  },
  en: {
    brand: 'Meter-to-cash QC', signout: 'Sign out', switch: '中文', loading: 'Loading…', empty: 'No data',
    'nav.overview': 'Overview', 'nav.station': 'Station', 'nav.tickets': 'Tickets', 'nav.alerts': 'Alerts',
    'nav.credit': 'Credit risks', 'nav.channels': 'Payment channels',
    'signin.title': 'Sign in', 'signin.hint': 'Paste an access token (JWT). It is kept in this browser tab only.',
    'signin.mint': 'An administrator mints one with m2c token create --role station --unit CODE.',
    'signin.submit': 'Sign in', 'signin.bad': 'That is not a valid token',
    'signin.rejected': 'The token was rejected or has expired; sign in again',
    'signin.expired': 'The token has expired; sign in again',
    period: 'Month', unit: 'Unit', county: 'County bureau', station: 'Station', rank: 'Rank', score: 'Score',
    mom: 'MoM', light: 'Light', name: 'Name', noPeriods: 'No month has been scored yet',
    'ov.title': 'Monthly overview', 'ov.counties': 'County ranking', 'ov.stations': 'Station ranking',
    'ov.lights': 'Fee-recovery lights', 'ov.scored': 'Stations ranked',
    'ov.incompleteStations': 'Incomplete stations (not ranked)', 'ov.incomplete': 'Incomplete', 'ov.missing': 'missing',
    'ov.topScore': 'Score', 'ov.topRecovery': 'Fee recovery (year to date)', 'ov.lightCounts': 'Recovery lights per level',
    'ov.level': 'Level', 'ov.noLights': 'No recovery data for this month', 'ov.recovery': 'Recovery', 'ov.arrears': 'Arrears progress',
    'level.city': 'City bureau', 'level.county': 'County bureau', 'level.station': 'Station',
    'fact.readings_planned': 'readings planned', 'fact.readings_done': 'readings done',
    'fact.uploads_overdue': 'uploads overdue', 'fact.one_stop_due': 'one-stop due', 'fact.one_stop_done': 'one-stop done',
    'fact.bills_issued': 'bills issued', 'fact.bills_erroneous': 'bills in error',
    'fact.anomalies_overdue': 'anomalies overdue', 'fact.receivable_rollbacks': 'receivable roll-backs',
    'fact.recon_due': 'reconciliations due', 'fact.recon_done': 'reconciliations done',
    'fact.writeoffs_next_day': 'next-day write-offs', 'fact.recovery': 'recovery facts',
    'light.red': 'Red', 'light.yellow': 'Yellow', 'light.green': 'Green', 'light.none': 'No data',
    'st.title': 'Station score', 'st.stages': 'Stages', 'st.indicators': 'Indicators', 'st.weakest': 'Weakest indicators',
    'st.trend': '12-month trend', 'st.value': 'Value', 'st.lost': 'Points lost', 'st.weight': 'Weight',
    'st.forbidden': 'You may not see this unit', 'st.none': 'This station has no score for the month',
    'st.noTrend': 'No trend data', 'st.recovery': 'Recovery', 'st.redInd': 'Red indicators', 'st.noData': 'no data',
    'st.unranked': 'Incomplete: not ranked',
    'tk.title': 'Audit tickets', 'tk.due': 'Due', 'tk.left': '{n} working days left', 'tk.today': 'Due today',
    'tk.over': '{n} working days overdue', 'tk.noDue': 'No deadline', 'tk.noCal': 'No working calendar for {y}',
    'tk.esc': 'Escalation {n}', 'tk.total': '{n} tickets', 'tk.overdueOnly': 'Overdue only',
    'state.issued': 'Issued', 'state.coordinated': 'Coordinated', 'state.received': 'Received',
    'state.investigating': 'Investigating', 'state.reported': 'Reported', 'state.closed': 'Closed',
    'reason.low_score': 'Low score', 'reason.repeated_red_indicator': 'Repeated red indicator',
    'reason.unrectified_anomalies': 'Unrectified anomalies', 'reason.manual': 'Manual',
    'al.title': 'Alerts', 'al.state': 'State', 'al.severity': 'Severity', 'al.all': 'All', 'al.type': 'Type',
    'al.summary': 'Summary', 'al.count': 'Count', 'al.last': 'Last seen', 'al.ack': 'Acknowledge',
    'al.acked': 'Acknowledged', 'al.ackedBy': 'By', 'al.apply': 'Filter', 'al.ackDone': 'Alert acknowledged',
    'al.more': 'More alerts exist; narrow the filter',
    'alstate.firing': 'Firing', 'alstate.acknowledged': 'Acknowledged', 'alstate.resolved': 'Resolved',
    'sev.critical': 'Critical', 'sev.warning': 'Warning', 'sev.info': 'Info',
    'cr.title': 'Customer credit risks', 'cr.byUnit': 'Customers at risk per unit', 'cr.customers': 'Customers at risk',
    'cr.atRisk': 'At risk', 'cr.large': 'Large', 'cr.arrears': 'Arrears', 'cr.grade': 'Grade',
    'cr.months': 'Months overdue', 'cr.reasons': 'Reasons', 'cr.customer': 'Customer', 'cr.count': 'Customers',
    'ch.title': 'Payment-channel compliance', 'ch.compliant': 'Compliant', 'ch.notCompliant': 'Not compliant',
    'ch.area': 'Area', 'ch.offered': 'Offered', 'ch.target': 'Required', 'ch.types': 'Channels',
    'ch.summary': '{a} of {b} units compliant', 'area.urban': 'Urban', 'area.rural': 'Rural',
    yes: 'yes', no: 'no', forbidden: 'Forbidden', notFound: 'Not found', failed: 'Could not load: {m}',
  },
};

const TEXT = {
  zh: { ...BASE.zh, ...CODES.zh, ...PAGES.zh, ...REVIEW.zh },
  en: { ...BASE.en, ...CODES.en, ...PAGES.en, ...REVIEW.en },
};

const KEY = 'm2c.lang';

export function lang() {
  return localStorage.getItem(KEY) === 'en' ? 'en' : 'zh';
}

export function setLang(value) {
  localStorage.setItem(KEY, value);
  document.documentElement.lang = value === 'en' ? 'en' : 'zh-CN';
}

export function t(key, vars = {}) {
  const text = TEXT[lang()][key] ?? TEXT.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

/** The label of a code (`prefix.code`), or the code itself when none is known. */
export function label(prefix, code) {
  if (code == null || code === '') return '';
  const key = `${prefix}.${code}`;
  const text = t(key);
  return text === key ? String(code) : text;
}
