// Demo organisations at realistic Guangxi sizes, deterministic for a seed:
// ~40 business lines, 2,000+ agencies over all five levels with their
// centers and sub-centers, windows with evaluation devices, 20,000 staff and
// 1,000 matters (about 40% immediate, 60% promised). `npm start` loads it
// into an empty database so a newcomer sees a populated platform; it is
// made-up data on real division codes — never load it into production.
import { sql, type Insertable, type Kysely } from 'kysely';
import { creditCodeCheckChar, residentIdCheckChar } from '../domain/identifiers.ts';
import type { DB } from '../storage/schema.ts';
import { systemCaller, type Services } from './context.ts';
import { randomBytes } from 'node:crypto';
import type { Role } from '../domain/access.ts';
import { createUserAsSystem, type ScopeInput } from './users.ts';
import { protectedColumns } from './catalogue.ts';
import { protectApplicant } from './cases.ts';
import { chinaDay } from '../domain/occasions.ts';
import { deadlineAfter } from '../domain/calendar.ts';
import { versionOn } from '../domain/policy.ts';
import { loadCalendar, loadPolicyVersions } from './policy.ts';
import * as scores from '../storage/scores.ts';
import { enqueueOpenOccasions } from '../storage/cases.ts';
import { foldAll } from './scores.ts';
import { openSupervisionForLoaded, runDeadlines } from './supervision.ts';
import { injectDemoFraud } from './demoFraud.ts';
import { isNegative, RATER_CHANNELS, ratingFingerprint, scoreOf, type Level, type Tag } from '../domain/ratings.ts';
import { createClient } from './clients.ts';
import * as staffRepo from '../storage/staff.ts';

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// code, name, department (short form: 自治区 + it), central unit?, objects of its matters
const LINES: [string, string, string, boolean, string[]][] = [
  ['SCJG', '市场监管', '市场监督管理局', false, ['个体工商户', '食品经营', '企业名称', '特种设备使用']],
  ['SW', '税务', '税务局', true, ['发票领用', '税务登记', '纳税申报', '完税证明']],
  ['GA', '公安', '公安厅', false, ['户口迁移', '居民身份证', '出生登记', '居住证']],
  ['CRJ', '出入境', '公安厅出入境管理局', false, ['普通护照', '往来港澳通行证', '往来台湾通行证']],
  ['JJ', '公安交警', '公安厅交通警察总队', false, ['机动车登记', '驾驶证换证', '机动车检验标志']],
  ['RS', '人力资源社会保障', '人力资源和社会保障厅', false, ['社会保障卡', '失业登记', '职业资格证书', '养老保险关系转移']],
  ['YB', '医疗保障', '医疗保障局', false, ['医保参保登记', '异地就医备案', '医疗费用报销']],
  ['BDC', '不动产登记', '自然资源厅', false, ['不动产首次登记', '不动产转移登记', '抵押权登记', '不动产权属证明']],
  ['ZRZY', '自然资源', '自然资源厅', false, ['建设用地规划许可', '采矿许可', '测绘资质']],
  ['ZJ', '住房城乡建设', '住房和城乡建设厅', false, ['建筑工程施工许可', '商品房预售许可', '建筑业企业资质']],
  ['GJJ', '住房公积金', '住房公积金管理中心', false, ['公积金提取', '公积金贷款', '缴存登记']],
  ['JT', '交通运输', '交通运输厅', false, ['道路运输经营许可', '从业资格证', '超限运输许可']],
  ['MZ', '民政', '民政厅', false, ['婚姻登记', '社会团体登记', '最低生活保障', '殡葬服务']],
  ['WJ', '卫生健康', '卫生健康委员会', false, ['医疗机构执业登记', '出生医学证明', '医师执业注册']],
  ['JY', '教育', '教育厅', false, ['教师资格认定', '学历证明', '民办学校办学许可']],
  ['STHJ', '生态环境', '生态环境厅', false, ['环境影响评价审批', '排污许可', '危险废物经营许可']],
  ['NYNC', '农业农村', '农业农村厅', false, ['农药经营许可', '动物防疫条件合格证', '农机登记']],
  ['SL', '水利', '水利厅', false, ['取水许可', '河道管理范围内建设项目审批', '水土保持方案审批']],
  ['LY', '林业', '林业局', false, ['林木采伐许可', '林地使用审核', '野生动物驯养许可']],
  ['SWU', '商务', '商务厅', false, ['对外贸易经营者备案', '拍卖企业许可', '成品油零售经营']],
  ['WL', '文化和旅游', '文化和旅游厅', false, ['旅行社设立许可', '营业性演出许可', '娱乐场所经营许可']],
  ['YJ', '应急管理', '应急管理厅', false, ['安全生产许可', '危险化学品经营许可', '烟花爆竹经营许可']],
  ['SF', '司法行政', '司法厅', false, ['公证', '法律援助', '律师执业许可']],
  ['CZ', '财政', '财政厅', false, ['会计代理记账许可', '政府采购备案', '非税收入缴款']],
  ['FG', '发展改革', '发展和改革委员会', false, ['企业投资项目备案', '固定资产投资项目节能审查', '价格认定']],
  ['GX', '工业和信息化', '工业和信息化厅', false, ['技术改造项目备案', '无线电台执照', '民爆物品生产许可']],
  ['TY', '退役军人事务', '退役军人事务厅', false, ['优待证', '退役士兵安置', '抚恤金申领']],
  ['CL', '残疾人服务', '残疾人联合会', false, ['残疾人证', '残疾人两项补贴', '辅助器具适配']],
  ['HG', '海关', '南宁海关', true, ['报关单位备案', '进出口货物原产地证明', '加工贸易手册']],
  ['QX', '气象', '气象局', true, ['防雷装置设计审核', '升放气球资质', '气象证明']],
  ['YC', '烟草专卖', '烟草专卖局', true, ['烟草专卖零售许可', '烟草准运证']],
  ['TJ', '统计', '统计局', false, ['统计调查项目审批', '统计登记']],
  ['RF', '人民防空', '人民防空办公室', false, ['人防工程建设审批', '易地建设费缴纳']],
  ['XF', '消防救援', '消防救援总队', true, ['公众聚集场所投入使用前消防安全检查', '消防设计审查']],
  ['DA', '档案', '档案局', false, ['档案查阅', '档案证明']],
  ['DL', '电力', '电网公司', false, ['低压用电报装', '高压用电报装', '电费缴纳']],
  ['GS', '供水', '水务集团', false, ['用水报装', '水表迁移', '过户']],
  ['RQ', '燃气', '燃气集团', false, ['燃气开户', '燃气报装', '燃气经营许可']],
  ['TX', '通信', '通信管理局', false, ['电信业务经营许可', '通信建设工程备案']],
  ['BMFW', '基层便民服务', '大数据发展局', false, ['居住证明', '临时救助', '高龄津贴', '生育登记']],
];

const SURNAMES = '黄李韦陈梁莫覃蒙农刘张王杨周吴蓝陆罗卢廖潘谢唐何苏邓蒋钟冯赵林'.split('');
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲兰凤海燕文斌宁壮邕柳'.split('');

export interface DemoSummary {
  businessLines: number;
  agencies: number;
  centers: number;
  subCenters: number;
  windows: number;
  staff: number;
  matters: number;
}

type Region = { code: string; name: string; level: number; parent_code: string | null };

const county6 = (code: string) => code.slice(0, 6);

async function insertBatches<T>(db: Kysely<DB>, table: keyof DB, rows: T[], size = 1000): Promise<void> {
  for (let i = 0; i < rows.length; i += size)
    await (db as Kysely<any>)
      .insertInto(table)
      .values(rows.slice(i, i + size))
      .execute();
}

/**
 * Loads the demo organisations and a year of cases and ratings if the
 * catalogue is empty; returns null otherwise.
 */
export async function seedDemoIfEmpty(
  services: Services,
  options: { seed?: number; staff?: number; cases?: number } = {},
): Promise<(DemoSummary & { activity: DemoActivitySummary; apiKeys: Record<string, string>; users: DemoUser[] }) | null> {
  if (process.env.NODE_ENV === 'production') throw new Error('demo data and demo users are refused when NODE_ENV=production');
  const any = await services.db.selectFrom('business_line').select('code').limit(1).executeTakeFirst();
  if (any) return null;
  const organisations = await seedDemo(services, options);
  const activity = await seedDemoActivity(services, options);
  return { ...organisations, activity, apiKeys: await createDemoClients(services), users: await createDemoUsers(services) };
}

const DEMO = systemCaller('demo');

/** API keys for trying the platform: one business system, one client per channel, one window device. */
export async function createDemoClients(services: Services): Promise<Record<string, string>> {
  const keys: Record<string, string> = {};
  keys.business_system = (await createClient(services, DEMO, { name: '演示一体化政务服务平台', kind: 'business_system' })).key;
  for (const channel of RATER_CHANNELS) keys[channel] = (await createClient(services, DEMO, { name: `演示${channel}渠道`, kind: 'channel', channel })).key;
  const window = await services.db
    .selectFrom('service_window')
    .select(['center_code', 'number'])
    .where('status', '=', 'active')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  if (window)
    keys.device = (
      await createClient(services, DEMO, { name: '演示评价器', kind: 'device', window: { centerCode: window.center_code, number: window.number } })
    ).key;
  return keys;
}

export interface DemoUser {
  username: string;
  role: Role;
  /** What the scope is, in words: a region code, a line, an agency, a staff number. */
  scope: string;
  password: string;
}

/**
 * One person per role, with believable scopes (R2): the autonomous region's
 * supervision office, Nanning's and Xingning district's, a line, an agency
 * of Xingning and one of its staff, an auditor. Each has a random password,
 * returned for the data folder's demo-users.txt. Refused in production.
 */
export async function createDemoUsers(services: Services, env: Record<string, string | undefined> = process.env): Promise<DemoUser[]> {
  if (env.NODE_ENV === 'production') throw new Error('demo users are never created when NODE_ENV=production');
  const db = services.db;
  const agency = await db
    .selectFrom('agency as ag')
    .innerJoin('staff as s', 's.agency_code', 'ag.code')
    .select(['ag.code', 'ag.business_line_code', 's.staff_number'])
    .where('ag.region_code', 'like', '450102%')
    .where('s.status', '=', 'active')
    .orderBy('ag.code')
    .orderBy('s.staff_number')
    .limit(1)
    .executeTakeFirst();
  const people: { username: string; displayName: string; role: Role; scope?: ScopeInput; words: string }[] = [
    { username: 'admin', displayName: '自治区大数据发展局', role: 'admin', words: '全区' },
    { username: 'sup-gx', displayName: '自治区政务服务监督管理办公室', role: 'supervisor', scope: { regionCode: '450000' }, words: '450000' },
    { username: 'sup-nanning', displayName: '南宁市政务服务监督管理办公室', role: 'supervisor', scope: { regionCode: '450100' }, words: '450100' },
    { username: 'sup-xingning', displayName: '兴宁区政务服务监督管理办公室', role: 'supervisor', scope: { regionCode: '450102' }, words: '450102' },
    ...(agency
      ? [
          {
            username: 'line-manager',
            displayName: '条线主管部门',
            role: 'line_manager' as const,
            scope: { lineCode: agency.business_line_code },
            words: agency.business_line_code,
          },
          { username: 'agency-manager', displayName: '机构管理员', role: 'agency_manager' as const, scope: { agencyCode: agency.code }, words: agency.code },
          {
            username: 'staff-demo',
            displayName: '窗口工作人员',
            role: 'staff' as const,
            scope: { staffNumber: agency.staff_number },
            words: agency.staff_number,
          },
        ]
      : []),
    { username: 'auditor', displayName: '审计员', role: 'auditor', words: '全区（只读）' },
  ];
  const made: DemoUser[] = [];
  for (const person of people) {
    if (await db.selectFrom('app_user').select('id').where('username', '=', person.username).executeTakeFirst()) continue; // e.g. admin from HCP_ADMIN_PASSWORD
    const password = `Demo-${randomBytes(9).toString('base64url')}`;
    await createUserAsSystem(
      services,
      { username: person.username, displayName: person.displayName, role: person.role, scope: person.scope, password },
      'demo',
    );
    made.push({ username: person.username, role: person.role, scope: person.words, password });
  }
  return made;
}

export async function seedDemo(services: Services, options: { seed?: number; staff?: number } = {}): Promise<DemoSummary> {
  const random = seededRandom(options.seed ?? 2019);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const shuffled = <T>(list: readonly T[]): T[] => {
    const out = [...list];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
  const staffTarget = options.staff ?? 20_000;
  const at = services.now();

  return services.db.transaction().execute(async (trx) => {
    const regions = (await trx
      .selectFrom('region')
      .select(['code', 'name', 'level', 'parent_code'])
      .where('level', '<=', 4)
      .orderBy('code')
      .execute()) as Region[];
    const cities = regions.filter((r) => r.level === 2);
    const counties = regions.filter((r) => r.level === 3);
    const towns = regions.filter((r) => r.level === 4);
    const byCode = new Map(regions.map((r) => [r.code, r]));
    const root = regions.find((r) => r.level === 1)!;
    const chosenTowns = shuffled(towns).slice(0, 300);
    const villages = await trx
      .selectFrom('region')
      .select(['code', 'name', 'level', 'parent_code'])
      .where('level', '=', 5)
      .where(
        'parent_code',
        'in',
        chosenTowns.slice(0, 100).map((t) => t.code),
      )
      .orderBy('code')
      .execute();
    const chosenVillages = shuffled(villages as Region[]).slice(0, 100);

    // Business lines.
    await insertBatches(
      trx,
      'business_line',
      LINES.map(([code, name, dept]) => ({ code, name, department: `广西壮族自治区${dept}`, created_at: at, updated_at: at })),
    );

    // Agencies over the five levels.
    type Agency = { code: string; name: string; region_code: string; business_line_code: string; central_unit: boolean; weight: number };
    const agencies: Agency[] = [];
    let serial = 0;
    const agency = (region: Region, line: (typeof LINES)[number], name: string, weight: number) => {
      const first17 = `11${county6(region.code)}${String(++serial).padStart(9, '0')}`;
      agencies.push({
        code: first17 + creditCodeCheckChar(first17),
        name,
        region_code: region.code,
        business_line_code: line[0],
        central_unit: line[3],
        weight,
      });
    };
    const shortName = (region: Region) =>
      region.level === 1 ? '广西壮族自治区' : `${region.level === 3 ? byCode.get(region.parent_code!)!.name : ''}${region.name}`;
    for (const line of LINES) agency(root, line, `${shortName(root)}${line[2]}`, 25);
    for (const city of cities) for (const line of LINES.slice(0, 30)) agency(city, line, `${city.name}${line[2].replace(/厅|委员会/, '局')}`, 15);
    for (const county of counties)
      for (const line of LINES.slice(0, 11).concat([LINES[LINES.length - 1]!]))
        agency(county, line, `${shortName(county)}${line[2].replace(/厅|委员会/, '局')}`, 8);
    const bmfw = LINES[LINES.length - 1]!;
    for (const town of chosenTowns)
      agency(town, bmfw, `${byCode.get(town.parent_code!)!.name}${town.name}${town.name.endsWith('街道') ? '办事处' : '人民政府'}`, 4);
    for (const village of chosenVillages) agency(village, bmfw, `${village.name}`, 2);
    await insertBatches(
      trx,
      'agency',
      agencies.map(({ weight: _w, ...a }) => ({ ...a, created_at: at, updated_at: at })),
    );

    // Centers: one per region/city/county, chosen towns and villages; sub-centers at region, city, county.
    type Center = { code: string; name: string; region_code: string; parent_code: string | null };
    const centers: Center[] = [];
    const mainCenter = new Map<string, string>();
    for (const r of [root, ...cities, ...counties, ...chosenTowns, ...chosenVillages]) {
      const code = `ZX${r.code}`;
      const kind = r.level <= 3 ? '政务服务中心' : r.level === 4 ? '便民服务中心' : '便民服务站';
      centers.push({ code, name: `${shortName(r)}${kind}`, region_code: r.code, parent_code: null });
      mainCenter.set(r.code, code);
    }
    const subCenters: Center[] = [];
    const estateCenter = new Map<string, string>();
    for (const r of [root, ...cities, ...counties]) {
      const estate = { code: `FZX${r.code}BDC`, name: `${shortName(r)}不动产登记分中心`, region_code: r.code, parent_code: mainCenter.get(r.code)! };
      subCenters.push(estate);
      estateCenter.set(r.code, estate.code);
      if (r.level <= 2)
        subCenters.push({ code: `FZX${r.code}JJ`, name: `${shortName(r)}公安交警分中心`, region_code: r.code, parent_code: mainCenter.get(r.code)! });
    }
    await insertBatches(
      trx,
      'service_center',
      [...centers, ...subCenters].map((c) => ({ ...c, created_at: at, updated_at: at })),
    );

    // Staff counts: weight by level, ±40%, scaled to the target exactly (largest remainder).
    const raw = agencies.map((a) => a.weight * (0.6 + random() * 0.8));
    const scale = staffTarget / raw.reduce((s, x) => s + x, 0);
    const counts = raw.map((x) => Math.max(1, Math.floor(x * scale)));
    let missing = staffTarget - counts.reduce((s, x) => s + x, 0);
    for (let i = 0; missing > 0; i = (i + 1) % counts.length, missing--) counts[i]!++;
    for (let i = counts.length - 1; missing < 0; i--) {
      if (counts[i]! > 1) {
        counts[i]!--;
        missing++;
      }
    }

    // Windows: one per two staff, at the agency's center (estate and traffic police at their sub-centers).
    type Window = { center_code: string; number: string; name: string; agency_code: string; device_serial: string | null };
    const windows: Window[] = [];
    const windowOfAgency = new Map<string, Window[]>();
    const nextNumber = new Map<string, number>();
    let deviceSerial = 0;
    agencies.forEach((a, i) => {
      const center =
        a.business_line_code === 'BDC' && estateCenter.has(a.region_code)
          ? estateCenter.get(a.region_code)!
          : a.business_line_code === 'JJ' && subCenters.some((c) => c.code === `FZX${a.region_code}JJ`)
            ? `FZX${a.region_code}JJ`
            : mainCenter.get(a.region_code)!;
      const list: Window[] = [];
      for (let w = 0; w < Math.ceil(counts[i]! / 2); w++) {
        const n = (nextNumber.get(center) ?? 0) + 1;
        nextNumber.set(center, n);
        const window = {
          center_code: center,
          number: `${String(n).padStart(3, '0')}`,
          name: `${LINES.find((l) => l[0] === a.business_line_code)![1]}窗口`,
          agency_code: a.code,
          device_serial: random() < 0.8 ? `PJQ${String(++deviceSerial).padStart(7, '0')}` : null,
        };
        windows.push(window);
        list.push(window);
      }
      windowOfAgency.set(a.code, list);
    });
    await insertBatches(
      trx,
      'service_window',
      windows.map((w) => ({ ...w, created_at: at, updated_at: at })),
    );
    const windowIds = new Map(
      (await trx.selectFrom('service_window').select(['id', 'center_code', 'number']).execute()).map((w) => [`${w.center_code}/${w.number}`, w.id]),
    );

    // Staff, two to a window, with protected ID numbers and phones.
    let staffSerial = 0;
    const staffRows: staffRepo.NewStaff[] = [];
    agencies.forEach((a, i) => {
      const list = windowOfAgency.get(a.code)!;
      for (let s = 0; s < counts[i]!; s++) {
        const window = list[Math.floor(s / 2)]!;
        const birth = `${1965 + Math.floor(random() * 36)}${String(1 + Math.floor(random() * 12)).padStart(2, '0')}${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`;
        const first17 = `${county6(a.region_code === root.code ? '450103000000' : a.region_code)}${birth}${String(Math.floor(random() * 1000)).padStart(3, '0')}`;
        const idNumber = first17 + residentIdCheckChar(first17);
        const phone = `1${pick(['3', '5', '7', '8', '9'])}${String(Math.floor(random() * 1e9)).padStart(9, '0')}`;
        staffRows.push({
          staff_number: `GX${String(++staffSerial).padStart(6, '0')}`,
          name: pick(SURNAMES) + pick(GIVEN) + (random() < 0.6 ? pick(GIVEN) : ''),
          agency_code: a.code,
          center_code: window.center_code,
          window_id: windowIds.get(`${window.center_code}/${window.number}`)!,
          ...(protectedColumns(services.protector, { idNumber, phone }) as Pick<
            staffRepo.NewStaff,
            'id_number_cipher' | 'id_number_hash' | 'phone_cipher' | 'phone_hash'
          >),
        });
      }
    });
    // R3: they sat at their windows through the demo's year of cases (and a little before).
    const assignedFrom = new Date(at.getTime() - 400 * 24 * 3_600_000);
    for (let i = 0; i < staffRows.length; i += 5000) {
      await staffRepo.insertStaffWithAssignments(
        trx,
        staffRows.slice(i, i + 5000).map((row) => ({ ...row, assigned_from: assignedFrom })),
        at,
        'created',
      );
    }

    // Matters: owned by region- or city-level agencies of their line; 40% immediate.
    const owners = agencies.filter((a) => {
      const level = byCode.get(a.region_code)?.level ?? 5;
      return level <= 2;
    });
    const matters: Record<string, unknown>[] = [];
    const actions = ['办理', '变更', '注销', '补领', '延续', '备案'];
    for (let m = 0; m < 1000; m++) {
      const owner = pick(owners);
      const line = LINES.find((l) => l[0] === owner.business_line_code)!;
      const immediate = random() < 0.4;
      matters.push({
        code: `${owner.code}${immediate ? 'J' : 'C'}${String(m + 1).padStart(5, '0')}`,
        name: `${pick(line[4])}${pick(actions)}`,
        kind: immediate ? 'immediate' : 'promised',
        business_line_code: line[0],
        agency_code: owner.code,
        time_limit_days: immediate ? 0 : pick([5, 7, 10, 15, 20, 30, 60]),
        created_at: at,
        updated_at: at,
      });
    }
    await insertBatches(trx, 'matter', matters);

    return {
      businessLines: LINES.length,
      agencies: agencies.length,
      centers: centers.length,
      subCenters: subCenters.length,
      windows: windows.length,
      staff: staffRows.length,
      matters: matters.length,
    };
  });
}

export interface DemoActivitySummary {
  cases: number;
  occasions: number;
  ratings: number;
  defaults: number;
  negatives: number;
  /** Issue 13: negative ratings of the last 30 days put into the supervision loop. */
  supervised: number;
  /** Issue 14: investigations of faked good ratings the detection opened over the last 35 days (the injected patterns). */
  investigations: number;
}

const COMMENTS = ['排队时间太长了', '材料一次没讲清楚，跑了三趟', '窗口人员态度冷淡', '系统老是卡顿，等了很久', '办理结果有错误，需要重新办'];
const NEGATIVE_TAGS = [
  'attitude.indifferent',
  'attitude.impolite',
  'quality.unclear_guidance',
  'quality.extra_documents',
  'efficiency.long_wait',
  'efficiency.overdue',
  'efficiency.repeat_visits',
];

/**
 * A year of cases and ratings up to `services.now()`, over the demo
 * organisations: most ratings very satisfied, defaults common, a few
 * negatives with tags and text. Written in chunks of set-based inserts.
 */
export async function seedDemoActivity(services: Services, options: { cases?: number; seed?: number } = {}): Promise<DemoActivitySummary> {
  const total = options.cases ?? 10_000;
  const random = seededRandom((options.seed ?? 2019) + 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const now = services.now().getTime();
  const YEAR = 365 * 24 * 3_600_000;
  const db = services.db;
  const staff = await db
    .selectFrom('staff as s')
    .innerJoin('staff_assignment as a', (j) => j.onRef('a.staff_id', '=', 's.id').on('a.valid_to', 'is', null))
    .innerJoin('agency as ag', 'ag.code', 'a.agency_code')
    .select(['s.id', 'a.agency_code', 'ag.business_line_code', 'ag.region_code', 'a.center_code', 'a.window_id'])
    .where('s.status', '=', 'active')
    .orderBy('s.id')
    .execute();
  const matters = await db
    .selectFrom('matter')
    .select(['code', 'kind', 'agency_code', 'time_limit_days'])
    .where('status', '=', 'active')
    .orderBy('code')
    .execute();
  if (!staff.length || !matters.length) throw new Error('load the demo organisations first');
  const existing = (
    await db
      .selectFrom('service_case')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow()
  ).n;
  const summary: DemoActivitySummary = { cases: 0, occasions: 0, ratings: 0, defaults: 0, negatives: 0, supervised: 0, investigations: 0 };
  // R6, issue 13: each occasion keeps the policy version in force on its day, its deadline reckoned under it
  // (the versions and the calendar are read once, not per occasion).
  const versions = await loadPolicyVersions(db);
  const year = new Date(now).getUTCFullYear();
  const calendar = await loadCalendar(db, year - 1, year + 2);
  const termsOf = (at: Date) => {
    const version = versionOn(versions, chinaDay(at))!;
    return { deadline: deadlineAfter(at, version.numbers.ratingDays, calendar), policy_version_id: version.id };
  };
  const defaultLevelOf = new Map(versions.map((v) => [v.id, v.numbers.defaultLevel]));

  for (let offset = 0; offset < total; offset += 5000) {
    const size = Math.min(5000, total - offset);
    const caseRows: Insertable<DB['service_case']>[] = [];
    const events: { caseNumber: string; staff: (typeof staff)[number]; kind: 'acceptance' | 'completion'; at: number }[] = [];
    for (let i = 0; i < size; i++) {
      const who = pick(staff);
      const matter = pick(matters);
      const accepted = now - Math.floor(random() * YEAR);
      const days = matter.kind === 'immediate' ? 0 : 1 + Math.floor(random() * Math.max(1, matter.time_limit_days));
      const completed = matter.kind === 'immediate' ? accepted : accepted + days * 86_400_000 + Math.floor(random() * 8 * 3_600_000);
      const done = completed <= now ? completed : null;
      const first17 = `4501${pick(['02', '03', '05', '07', '08', '09'])}${1950 + Math.floor(random() * 55)}0${1 + Math.floor(random() * 9)}1${Math.floor(random() * 9)}${String(Math.floor(random() * 1000)).padStart(3, '0')}`;
      const caseNumber = `DEMO${String(existing + offset + i + 1).padStart(9, '0')}`;
      caseRows.push({
        case_number: caseNumber,
        matter_code: matter.code,
        kind: matter.kind,
        agency_code: who.agency_code,
        ...protectApplicant(services.protector, {
          name: pick(SURNAMES) + pick(GIVEN) + (random() < 0.5 ? pick(GIVEN) : ''),
          idType: 'resident_id',
          idNumber: first17 + residentIdCheckChar(first17),
          phone: `1${pick(['3', '5', '8'])}${String(Math.floor(random() * 1e9)).padStart(9, '0')}`,
        }),
        accepted_at: new Date(accepted),
        accepted_by: who.id,
        completed_at: done ? new Date(done) : null,
        completed_by: done ? who.id : null,
      });
      if (matter.kind === 'promised') events.push({ caseNumber, staff: who, kind: 'acceptance', at: accepted });
      if (done) events.push({ caseNumber, staff: who, kind: 'completion', at: done });
    }
    await db.transaction().execute(async (trx) => {
      const ids = new Map<string, number>();
      // R9, R10: a rating keeps its rater's keyed identity hash (the applicant's), as submitRating stores it.
      const raterOf = new Map<number, string | null>();
      for (let i = 0; i < caseRows.length; i += 1000) {
        const inserted = await trx
          .insertInto('service_case')
          .values(caseRows.slice(i, i + 1000))
          .returning(['id', 'case_number', 'applicant_id_hash'])
          .execute();
        for (const r of inserted) {
          ids.set(r.case_number, r.id);
          raterOf.set(r.id, r.applicant_id_hash);
        }
      }
      const occasionRows = events.map((e) => ({
        case_id: ids.get(e.caseNumber)!,
        package_id: null,
        kind: e.kind,
        occurred_at: new Date(e.at),
        ...termsOf(new Date(e.at)),
        staff_id: e.staff.id,
        agency_code: e.staff.agency_code,
        business_line_code: e.staff.business_line_code,
        region_code: e.staff.region_code,
        center_code: e.staff.center_code,
        window_id: e.staff.window_id,
      }));
      const ratingRows = [];
      const occasionIds: number[] = [];
      for (let i = 0; i < occasionRows.length; i += 1000) {
        const inserted = await trx
          .insertInto('occasion')
          .values(occasionRows.slice(i, i + 1000))
          .returning(['id', 'case_id', 'occurred_at', 'deadline', 'policy_version_id'])
          .execute();
        for (const o of inserted) {
          occasionIds.push(o.id);
          const due = o.deadline.getTime() <= now;
          if (random() < (due ? 0.62 : 0.45)) {
            const givenAt = new Date(
              Math.min(now, o.occurred_at.getTime() + Math.floor(random() * Math.min(o.deadline.getTime() - o.occurred_at.getTime() - 1, 3 * 86_400_000))),
            );
            const r = random();
            const level: Level =
              r < 0.86 ? 'very_satisfied' : r < 0.95 ? 'satisfied' : r < 0.98 ? 'basically_satisfied' : r < 0.995 ? 'dissatisfied' : 'very_dissatisfied';
            const negative = isNegative(level);
            const tags = negative && random() < 0.8 ? [pick(NEGATIVE_TAGS)] : [];
            const comment = negative && random() < 0.7 ? pick(COMMENTS) : null;
            const channel = pick(['web', 'sms', 'sms', 'app', 'miniprogram', 'hotline', 'device', 'device', 'device'] as const);
            ratingRows.push({
              occasion_id: o.id,
              level,
              score: scoreOf(level),
              tags,
              comment,
              channel,
              is_default: false,
              given_at: givenAt,
              rater_id_hash: raterOf.get(o.case_id!) ?? 'demo',
              fingerprint: ratingFingerprint({ level, aspects: {}, tags: tags as Tag[], comment, channel }),
            });
            if (negative) summary.negatives++;
          } else if (due) {
            const level = defaultLevelOf.get(o.policy_version_id)!;
            ratingRows.push({
              occasion_id: o.id,
              level,
              score: scoreOf(level),
              tags: [],
              comment: null,
              channel: 'system',
              is_default: true,
              given_at: o.deadline,
              rater_id_hash: null,
              fingerprint: 'default',
            });
            summary.defaults++;
          }
        }
      }
      for (let i = 0; i < ratingRows.length; i += 1000)
        await trx
          .insertInto('rating')
          .values(ratingRows.slice(i, i + 1000))
          .execute();
      // Rated and defaulted occasions are closed.
      await sql`update occasion o set closed_at = r.given_at from rating r where r.occasion_id = o.id and o.closed_at is null`.execute(trx);
      // R6: the others wait for their rating, or their default, in the queue of open occasions.
      await enqueueOpenOccasions(trx, occasionIds);
      summary.cases += caseRows.length;
      summary.occasions += occasionRows.length;
      summary.ratings += ratingRows.length;
    });
  }
  // R3: the demo's ratings count from when they were given; fold them so the first ranking reads totals only.
  await scores.recordUnrecordedRatings(services.db, null);
  await foldAll(services.db);
  // Issue 13: the loop opens for the last 30 days' negative ratings, as if
  // they had arrived through the API; the deadline job then deems the
  // reviews whose 15 days are over approved, as it would have.
  const opened = new Date(now);
  summary.supervised = await openSupervisionForLoaded(services, new Date(now - 30 * 86_400_000), opened);
  await runDeadlines(services, opened);
  // Issue 14 (R10): a few known patterns of faked good ratings, and the detection job's run over the last weeks.
  const fraud = await injectDemoFraud(services, random);
  summary.investigations = fraud.investigationsOpened;
  return summary;
}
