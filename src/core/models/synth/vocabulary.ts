/**
 * Vocabularies for generated models. Common French and English words (and
 * the words of meetings) make a random model's output look like words, which
 * keeps tests and screenshots readable; synthetic syllable words pad the
 * vocabulary to a real model's size for benchmarks.
 */
const FRENCH_WORDS = `le la les de des du un une et est en que qui dans pour pas sur au aux avec ce
cette ces il elle nous vous ils elles on je tu son sa ses leur leurs notre nos votre vos mon ma mes
ne plus par mais ou donc or ni car comme tout tous toute toutes bien très aussi même autre autres
faire fait être avoir avons avez ont sont était sera peut doit faut dire dit voir aller prendre
mettre donner demande demander propose proposer adopte adopter vote voter valide valider
séance conseil municipal maire adjoint adjointe élu élus élue président présidente secrétaire
greffier commission délibération ordre jour point points projet budget dépenses recettes
subvention association commune ville mairie département région état service services agent
agents personnel emploi poste marché travaux école écoles enfants cantine voirie route routes
eau assainissement déchets urbanisme permis construire logement logements habitants citoyens
public publique réunion réunions compte rendu procès verbal rapport rapporteur question questions
réponse réponses décision décisions unanimité majorité contre abstention abstentions pour
amendement article articles loi règlement convention contrat montant euros millions année
années mois semaine lundi mardi mercredi jeudi vendredi samedi dimanche janvier février mars
avril mai juin juillet août septembre octobre novembre décembre matin soir aujourd hier demain
premier première deuxième dernier nouveau nouvelle grand grande petit petite bon bonne
important importante général générale financier financière social sociale culturel sportif
salle équipement équipements parc jardin place rue quartier centre sécurité santé transport
bus vélo parking stationnement éclairage énergie chauffage bâtiment bâtiments rénovation
étude études calendrier délai délais action actions suivi tâche responsable date prochaine
merci bonjour madame monsieur mesdames messieurs collègues parole donne prend accord
d'accord oui non peut-être alors ainsi encore déjà toujours jamais ici maintenant ensuite`;

const ENGLISH_WORDS = `the a an and of to in is that it for on with as was be by this are or from
at which but not have has had they you we he she his her their our your its all any can will
would should could may must shall do does did done make made take given give meeting meetings
council committee board chair chairman member members minutes agenda item items motion
motions second seconded approve approved approval vote votes voted favour favor against
abstain budget report reports finance policy plan plans project projects staff officer
officers director manager team public city county town school schools road roads water
housing health safety service services contract contracts cost costs fund funds grant
million thousand year years month months week today tomorrow yesterday morning afternoon
evening monday tuesday wednesday thursday friday january february march april may june july
august september october november december first second third last next new old good
great small large important general annual review action actions owner task due date decision
decisions question questions answer answers discuss discussed discussion propose proposed
proposal update updates thank thanks welcome everyone yes no please time point points
number people work works building buildings park parks street traffic transport energy
community local national legal terms agreement resolution resolved adopted carried
noted record recorded session open close closed next also then there here now again`;

const PUNCTUATION_SPOKEN = [',', '.'];

const CHARACTERS = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  ...'àâäçéèêëîïôöùûüÿœæÀÂÇÉÈÊÎÔÙÛŒ',
  ...'.,;:!?\'"()[]{}-_/@#%&*+=<>’«»',
];

const ONSETS = ['b', 'c', 'd', 'f', 'g', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'ch', 'tr', 'pl'];
const NUCLEI = ['a', 'e', 'i', 'o', 'u', 'é', 'ou', 'an'];

/** Every whole word of the built-in lists, lower case, without repeats. */
export function commonWords(): string[] {
  const words = `${FRENCH_WORDS} ${ENGLISH_WORDS}`.split(/\s+/).filter((w) => w.length > 0);
  return [...new Set(words)];
}

/** Endless stream of pronounceable synthetic words: "ba", "be", … "babou", … */
function* syllableWords(): Generator<string> {
  const syllables = ONSETS.flatMap((onset) => NUCLEI.map((nucleus) => onset + nucleus));
  for (let length = 2; ; length++) {
    const index = new Array<number>(length).fill(0);
    for (;;) {
      yield index.map((i) => syllables[i]).join('');
      let k = length - 1;
      while (k >= 0 && ++index[k]! === syllables.length) index[k--] = 0;
      if (k < 0) break;
    }
  }
}

export interface LlmToken {
  text: string;
  /** 1 normal, 2 unknown, 3 control, 6 byte (llama.cpp's token types). */
  type: 1 | 2 | 3 | 6;
  score: number;
  /** Whether the model may say it (its output row is non-zero). */
  spoken: boolean;
}

const WORD_START = '\u2581';

/**
 * A SentencePiece-style ("llama") vocabulary: control tokens, the 256 byte
 * tokens (so any text tokenizes), single characters, whole words with every
 * prefix (so the tokenizer can merge letters back into words), then synthetic
 * words up to `size`. Token strings are unique, as llama.cpp requires.
 */
export function llmVocabulary(size = 0): LlmToken[] {
  const tokens: LlmToken[] = [];
  const seen = new Set<string>();
  const add = (text: string, type: LlmToken['type'], spoken: boolean) => {
    if (seen.has(text)) return;
    seen.add(text);
    // Longer pieces get higher scores so the tokenizer prefers whole words.
    tokens.push({ text, type, score: type === 1 ? -1000 / text.length : 0, spoken });
  };
  add('<unk>', 2, false);
  add('<s>', 3, false);
  add('</s>', 3, false);
  add('<|im_start|>', 3, false);
  add('<|im_end|>', 3, false);
  for (let byte = 0; byte < 256; byte++) {
    add(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`, 6, false);
  }
  // Words before single characters, so one-letter words ("a", "y") stay spoken.
  const words = commonWords();
  for (const word of words) add(WORD_START + word, 1, true);
  add(WORD_START, 1, false);
  for (const char of CHARACTERS) {
    add(char, 1, PUNCTUATION_SPOKEN.includes(char));
    add(WORD_START + char, 1, false);
  }
  // Prefixes after the words, so a word that is also a prefix stays spoken.
  for (const word of words) {
    const chars = [...word];
    for (let n = 2; n < chars.length; n++) add(WORD_START + chars.slice(0, n).join(''), 1, false);
  }
  if (size > tokens.length) {
    for (const word of syllableWords()) {
      if (tokens.length >= size) break;
      add(WORD_START + word, 1, true);
    }
  }
  return tokens;
}

/**
 * The 50257 byte strings of a whisper base vocabulary: the 256 single bytes,
 * then the common words with and without a leading space, then synthetic
 * words. Whisper prints token bytes as they are, so output reads as words.
 */
export function syntheticWhisperTokens(count: number): Uint8Array[] {
  const tokens: Uint8Array[] = [];
  const seen = new Set<string>();
  for (let byte = 0; byte < 256; byte++) {
    tokens.push(Uint8Array.of(byte));
    seen.add(String.fromCharCode(byte));
  }
  const add = (text: string) => {
    if (tokens.length >= count || seen.has(text)) return;
    seen.add(text);
    tokens.push(Buffer.from(text, 'utf8'));
  };
  for (const word of commonWords()) {
    add(` ${word}`);
    add(word);
  }
  for (const word of syllableWords()) {
    if (tokens.length >= count) break;
    add(` ${word}`);
  }
  return tokens;
}
