// The linear-time regular expression engine spamfilters run on, behind a small interface and
// loaded dynamically, so that the node (and its tests) work without it: a spamfilter regex is
// then stored, listed and propagated but not enforced (spamfilter.ts).
//
// Engines (never a backtracking one such as JavaScript's RegExp):
// * 're2js' (pure JavaScript port of RE2, re2js@2.10.0, engines node >= 20): the dependency the
//   project declares (installs in seconds, no native build).
// * 're2'   (native RE2 bindings): 1.23.3 is the last release without an engines restriction; it
//   has no prebuilt binary reachable here and compiles from source at install (about 6 minutes on
//   the 2-core VM, needs python3, make, g++ and Node's headers). Used first when it is installed
//   (5-10 times faster per match).
// Both accept RE2 syntax: no backreferences, no lookaround, no possessive quantifiers, no
// recursion; a PCRE pattern using those does not compile (CompileError).

export interface CompiledRegex {
  /** Does the pattern match anywhere in the text (a JS string of code points)? */
  test(text: string): boolean;
}

export interface RegexEngine {
  readonly name: string;
  /** Compile case-insensitively (as UnrealIRCd's PCRE2_CASELESS). Throws RegexCompileError. */
  compile(pattern: string): CompiledRegex;
}

export class RegexCompileError extends Error {}

type Re2jsModule = { RE2JS: { compile(p: string, flags?: number): { test(s: string): boolean }; CASE_INSENSITIVE: number } };
type Re2Module = { default: new (p: string, flags?: string) => { test(s: string): boolean } };

async function tryImport<T>(name: string): Promise<T | null> {
  try {
    return (await import(name)) as T;
  } catch {
    return null;
  }
}

export function re2jsEngine(mod: Re2jsModule): RegexEngine {
  const { RE2JS } = mod;
  return {
    name: 're2js',
    compile(pattern: string): CompiledRegex {
      try {
        const re = RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
        return { test: (s) => re.test(s) };
      } catch (e) {
        throw new RegexCompileError((e as Error).message);
      }
    },
  };
}

export function re2Engine(mod: Re2Module): RegexEngine {
  const RE2 = mod.default;
  return {
    name: 're2',
    compile(pattern: string): CompiledRegex {
      try {
        const re = new RE2(pattern, 'i');
        return { test: (s) => re.test(s) };
      } catch (e) {
        throw new RegexCompileError((e as Error).message);
      }
    },
  };
}

/**
 * Load the first available engine of `prefer` (default: re2 when installed, else re2js); null
 * when none is installed. Never throws.
 */
export async function loadRegexEngine(prefer: readonly ('re2js' | 're2')[] = ['re2', 're2js']): Promise<RegexEngine | null> {
  for (const name of prefer) {
    if (name === 're2js') {
      const m = await tryImport<Re2jsModule>('re2js');
      if (m?.RE2JS) return re2jsEngine(m);
    } else {
      const m = await tryImport<Re2Module>('re2');
      if (m?.default) return re2Engine(m);
    }
  }
  return null;
}
