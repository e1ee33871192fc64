#!/usr/bin/env python3
"""Writes the libFuzzer dictionaries fuzz/dict/TARGET.dict from the shipped files (TOML keys,
council slugs, file paths, script identifiers) plus TOML, CSV and rhai tokens.
Run from the repository root: python3 fuzz/dict/make.py"""
import glob, os, re

def q(s):
    out = ''
    for b in s.encode('utf-8'):
        c = chr(b)
        if c in '\\"':
            out += '\\' + c
        elif 32 <= b < 127:
            out += c
        else:
            out += '\\x%02x' % b
    return '"' + out + '"'

def keys_of(files):
    ks = set()
    for f in files:
        for line in open(f, encoding='utf-8'):
            line = line.split('#')[0]
            m = re.match(r'\s*\[+\s*([A-Za-z0-9_.\-"]+)\s*\]+', line)
            if m:
                ks.update(m.group(1).replace('"', '').split('.'))
            ks.update(m.group(1) for m in re.finditer(r'([A-Za-z_][A-Za-z0-9_\-]*)\s*=', line))
    return ks

def write(name, words):
    words = sorted(set(words), key=lambda w: (len(w), w))
    with open(f'fuzz/dict/{name}.dict', 'w') as f:
        f.write(f'# {name}: written by fuzz/dict/make.py from the shipped files\n')
        for w in words:
            f.write(q(w) + '\n')

slugs = sorted(os.path.basename(f)[:-5] for f in glob.glob('populations/profiles/municipalities/*.toml'))
common = ['=', ' = ', '[', ']', '[[', ']]', '{', '}', '{ ', ' }', ', ', '"', "'", '"""', '\n',
          'true', 'false', '0.', '-1', '1e308', 'nan', 'inf', '-inf', '9223372036854775807',
          '-9223372036854775808', '0.0001', '2023-07-01', '2021-01-01', '2026-05-01',
          '2025-01-01', '"default"', '#']
scenario = keys_of(glob.glob('scenarios/*.toml')) | {
    'name', 'description', 'population', 'municipality', 'period', 'year', 'baseline',
    'reform', 'set', 'scripts', 'all'}
params = keys_of(glob.glob('policies/parameters/*.toml'))
profiles = keys_of(glob.glob('populations/profiles/**/*.toml', recursive=True))
cases = keys_of(glob.glob('policies/tests/*.toml')) | {
    'case', 'expect', 'expect_error', 'status', 'needy', 'low_income', 'none', 'housing_costs',
    'savings', 'vehicles', 'crisis', 'other_expenses', 'persons', 'age', 'income', 'disabled',
    'employed', 'nva_registered'}
manifest = keys_of(['policies/policy.toml']) \
    | {'parameters/' + os.path.basename(f) for f in glob.glob('policies/parameters/*.toml')} \
    | {'rules/' + os.path.basename(f) for f in glob.glob('policies/rules/*.rhai')}
paths = ['latvia.toml', 'calibrated/latvia.toml', 'municipalities/', 'calibrated/', '.toml'] \
    + ['regions/' + os.path.basename(f) for f in glob.glob('populations/profiles/regions/*.toml')] \
    + ['areas/' + os.path.basename(f) for f in glob.glob('populations/profiles/areas/*.toml')]

write('scenario', common + list(scenario) + list(params) + slugs
      + ['municipalities.ogres-novads.low_income', 'gmi.pct', '"2026-01"', 'rules/gmi.rhai'])
write('profile', common + list(profiles) + paths + slugs)
write('parameter_file', common + list(params) + slugs
      + ['values', 'value', 'municipalities', 'pct', 'first', 'other',
         '# parameters/thresholds.toml\n', '# parameters/municipalities.toml\n'])
write('set_override', common + list(params) + slugs
      + ['gmi.pct=', 'municipalities.', '.low_income', '.pct', 'housing_benefit.k.',
         '{ pct = 0.6 }', '{ first = 1, other = 2 }'])
write('case_file', common + list(cases) + list(params) + slugs + ['[[case]]', '"2025-03"'])
write('explain_household', common
      + ['municipality', 'housing_costs', 'savings', 'vehicles', 'persons', 'age', 'income',
         'disabled', 'employed', 'nva_registered', 'period', '"2025-03"', '{ age = 40 }']
      + ['"%s"' % s for s in slugs])
write('policy_manifest', common + list(manifest))
write('csv_load', ['household_id', 'municipality', 'housing_costs', 'savings', 'vehicles',
                   'crisis', 'other_expenses',
                   'person_id', 'age', 'disabled', 'income', 'employed', 'nva_registered', ',',
                   '\n', '\r\n', '"', '""', '\x00', '\ufeff', '0', '1', '0.01', '-0.01', '120',
                   '121', '999999999999.99', '9223372036854775807', '18446744073709551615',
                   # text ids: register-style, a sign and leading zeros (the key of a number),
                   # the longest accepted, control characters
                   'h1', 'LV-0012', '010190-12345', '+7', '007', '"a, b"', 'x' * 64, '\t',
                   '\x7f', '\u0085']
      + slugs)
script = set()
for f in glob.glob('policies/rules/*.rhai'):
    script.update(m.group(0) for m in re.finditer(r'[A-Za-z_][A-Za-z0-9_]*', open(f).read()))
script |= {'h.', 'p.', 'members', 'let ', 'fn ', 'loop ', 'while ', 'for ', ' in ', 'if ',
           'else ', 'return ', 'break', 'continue', 'switch', '==', '!=', '<=', '>=', '&&', '||',
           '=>', '..', '..=', '+=', '*=', '#{', '[]', '()', '`${', '}`', 'round_cents',
           'round_euros', 'max', 'min', 'sum', 'any', 'all', 'count', 'eval', 'import',
           '// rules/gmi.rhai\n', '// rules/status.rhai\n'}
script |= {'crisis', 'other_expenses', 'has'}
write('script', script)
