/**
 * The panel's language: our gettext domain in JupyterLab's translator, and the language code
 * numbers, dates and cron descriptions follow.
 */
import {
  ITranslator,
  TranslationBundle,
  nullTranslator
} from '@jupyterlab/translation';

/**
 * Our own gettext domain (never `jupyterlab`): the catalog is
 * `jupyter_mindzie/locale/<lang>/LC_MESSAGES/jupyter_mindzie.json`.
 */
export const DOMAIN = 'jupyter_mindzie';

/**
 * The bundle of our strings and the language they are shown in.
 */
export interface ILocale {
  trans: TranslationBundle;
  /**
   * A BCP 47 tag for `Intl` and `Accept-Language` ("ja-JP", "en").
   */
  language: string;
}

/**
 * The locale of `translator` (JupyterLab's, else English).
 */
export function loadLocale(translator: ITranslator | null): ILocale {
  const source = translator ?? nullTranslator;
  const trans = source.load(DOMAIN);
  return { trans, language: languageTag(source.languageCode) };
}

/**
 * English, for code that runs before (or without) JupyterLab's translator.
 */
export const defaultLocale: ILocale = loadLocale(null);

/**
 * "ja_JP" (JupyterLab's settings) as "ja-JP" (BCP 47); "default" or nothing as "en".
 */
export function languageTag(code: string | undefined): string {
  const tag = (code ?? '').replace(/_/g, '-').trim();
  if (!tag || tag === 'default') {
    return document.documentElement.lang || 'en';
  }
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? 'en';
  } catch {
    return 'en';
  }
}

/**
 * The language's primary subtag ("ja" for "ja-JP"), as cronstrue names its locales.
 */
export function primaryLanguage(language: string): string {
  return language.split('-')[0].toLowerCase();
}
