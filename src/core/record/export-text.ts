import {
  decodePDFRawStream,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFRawStream,
  PDFRef,
  type PDFObject,
} from 'pdf-lib';
import { GreffierError } from '../errors.js';
import { sha256 } from './hash.js';
import { zipEntry } from './zip.js';

/**
 * The text lines of an exported file, read back the same way at signing and
 * at verification, so each part (minutes, transcript) can be hashed on its
 * own: a changed character is then named by the part it sits in.
 */
export type ExportFormat = 'md' | 'docx' | 'pdf';

export function exportFormatOf(fileName: string): ExportFormat | undefined {
  const ext = fileName.toLowerCase().split('.').pop();
  return ext === 'md' || ext === 'docx' || ext === 'pdf' ? ext : undefined;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X'))
      return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name] ?? whole;
  });
}

function docxLines(bytes: Buffer): string[] {
  const xml = zipEntry(bytes, 'word/document.xml');
  if (!xml) {
    throw new GreffierError('export-unreadable', 'this DOCX file has no document body', {
      hint: 'check that it is the file Greffier exported',
    });
  }
  const body = xml.toString('utf8');
  return [...body.matchAll(/<w:p[ >][\s\S]*?<\/w:p>/g)].map((p) =>
    [...p[0].matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((t) => unescapeXml(t[1]!)).join(''),
  );
}

function streamBytes(pdf: PDFDocument, object: PDFObject | undefined): Uint8Array[] {
  const resolved = object instanceof PDFRef ? pdf.context.lookup(object) : object;
  if (resolved instanceof PDFArray) {
    return resolved.asArray().flatMap((item) => streamBytes(pdf, item));
  }
  if (resolved instanceof PDFRawStream) return [decodePDFRawStream(resolved).decode()];
  return [];
}

/** glyph code (hex) → text, from a font's ToUnicode map (what pdf-lib writes). */
function toUnicode(pdf: PDFDocument, font: PDFDict): Map<string, string> {
  const map = new Map<string, string>();
  for (const bytes of streamBytes(pdf, font.get(PDFName.of('ToUnicode')))) {
    const text = Buffer.from(bytes).toString('latin1');
    for (const block of text.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
      for (const pair of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) {
        map.set(pair[1]!.toLowerCase(), Buffer.from(pair[2]!, 'hex').swap16().toString('utf16le'));
      }
    }
  }
  return map;
}

async function pdfLines(bytes: Buffer): Promise<string[]> {
  let pdf: PDFDocument;
  try {
    pdf = await PDFDocument.load(bytes, { updateMetadata: false });
  } catch (error) {
    throw new GreffierError('export-unreadable', 'this PDF file cannot be read', {
      hint: 'check that it is the file Greffier exported',
      cause: error,
    });
  }
  const lines: string[] = [];
  for (const page of pdf.getPages()) {
    const fonts = page.node.Resources()?.lookupMaybe(PDFName.of('Font'), PDFDict);
    const maps = new Map<string, Map<string, string>>();
    for (const [name, ref] of fonts?.entries() ?? []) {
      const font = pdf.context.lookup(ref);
      if (font instanceof PDFDict) maps.set(name.asString().slice(1), toUnicode(pdf, font));
    }
    const content = streamBytes(pdf, page.node.get(PDFName.of('Contents')))
      .map((b) => Buffer.from(b).toString('latin1'))
      .join('\n');
    let map = new Map<string, string>();
    // pdf-lib draws one line of text per Tj, glyph codes as 4-digit hex.
    for (const op of content.matchAll(/\/([^\s/<>[\]()]+)\s+[\d.]+\s+Tf|<([0-9a-fA-F]*)>\s*Tj/g)) {
      if (op[1] !== undefined) map = maps.get(op[1]) ?? new Map();
      else
        lines.push(
          (op[2]!.match(/.{4}/g) ?? []).map((c) => map.get(c.toLowerCase()) ?? '\ufffd').join(''),
        );
    }
  }
  return lines;
}

export async function exportLines(format: ExportFormat, bytes: Buffer): Promise<string[]> {
  if (format === 'md') return bytes.toString('utf8').split(/\r?\n/);
  if (format === 'docx') return docxLines(bytes);
  return pdfLines(bytes);
}

/** The headings that open each part, per language (src/core/app/export-common.ts gives them). */
export interface PartHeadings {
  minutes: string;
  transcript: string;
  approval: string;
}

export interface ExportParts {
  minutes: string;
  transcript: string;
}

const clean = (line: string) =>
  line
    .replace(/^#+\s+/, '')
    .replace(/\s+/g, ' ')
    .trim();

/**
 * SHA-256 of each part's lines (whitespace folded, empty lines dropped): the
 * minutes run from their heading to the transcript's, the transcript from
 * its heading to the approval block (or the end).
 */
export async function exportPartHashes(
  format: ExportFormat,
  bytes: Buffer,
  headings: PartHeadings[],
): Promise<ExportParts> {
  const lines = (await exportLines(format, bytes)).map(clean);
  const labels = headings.find((l) => lines.includes(l.minutes)) ?? headings[0]!;
  const minutesAt = lines.indexOf(labels.minutes);
  const transcriptAt = lines.indexOf(labels.transcript, minutesAt + 1);
  const approvalAt = lines.lastIndexOf(labels.approval);
  const end = approvalAt > transcriptAt ? approvalAt : lines.length;
  const part = (from: number, to: number) =>
    sha256(
      from < 0
        ? ''
        : lines
            .slice(from + 1, to < 0 ? lines.length : to)
            .filter(Boolean)
            .join('\n'),
    );
  return {
    minutes: part(minutesAt, transcriptAt),
    transcript: part(transcriptAt, end),
  };
}
