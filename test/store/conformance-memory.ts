import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NewNote } from '../../src/engine/types.js';
import type { StoreContext } from './conformance.js';

/** Memory: notes and their ranked full-text search. */
export function describeMemoryCases(ctx: StoreContext): void {
  describe('memory', () => {
    const note = (text: string, extra: Partial<NewNote> = {}): NewNote => ({ text, tags: [], ...extra });

    it('stores a note with every field and returns it with an id', async () => {
      const stored = await ctx.store.addNote(
        note('Disk on db-1 filled up; rotated logs', {
          category: 'infrastructure',
          tags: ['disk', 'db-1'],
          runId: 'r1',
          step: 'fix[2]',
          createdBy: 'ana',
          createdAt: 1_700_000_000_000,
        }),
      );
      expect(stored).toStrictEqual({
        id: expect.any(Number),
        text: 'Disk on db-1 filled up; rotated logs',
        category: 'infrastructure',
        tags: ['disk', 'db-1'],
        runId: 'r1',
        step: 'fix[2]',
        createdBy: 'ana',
        createdAt: 1_700_000_000_000,
      });
      const [hit] = await ctx.store.searchNotes('rotated');
      expect(hit).toStrictEqual({ ...stored, score: expect.any(Number) });
      expect(hit?.score).toBeGreaterThan(0);
    });

    it('leaves optional fields absent and stamps the creation time', async () => {
      const before = Date.now();
      const stored = await ctx.store.addNote(note('plain'));
      expect(Object.keys(stored).sort()).toStrictEqual(['createdAt', 'id', 'tags', 'text']);
      expect(stored.createdAt).toBeGreaterThanOrEqual(before);
      const second = await ctx.store.addNote(note('plain again'));
      expect(second.id).toBeGreaterThan(stored.id);
    });

    it('ranks a note matching more of the query words first', async () => {
      await ctx.store.addNote(note('postgres vacuum finished'));
      const best = await ctx.store.addNote(note('postgres vacuum on replica stalled because of a lock'));
      await ctx.store.addNote(note('replica lag alert'));
      await ctx.store.addNote(note('unrelated deploy note'));
      const hits = await ctx.store.searchNotes('postgres replica vacuum lock');
      expect(hits[0]?.id).toBe(best.id);
      expect(hits.map((h) => h.text)).not.toContain('unrelated deploy note');
      expect(hits).toHaveLength(3);
      const scores = hits.map((h) => h.score);
      expect([...scores].sort((a, b) => b - a)).toStrictEqual(scores);
    });

    it('matches tags and category, and the last word as a prefix', async () => {
      const tagged = await ctx.store.addNote(note('rotated the keys', { tags: ['credentials', 'quarterly'] }));
      const filed = await ctx.store.addNote(note('renewed a certificate', { category: 'security' }));
      expect((await ctx.store.searchNotes('quarterly')).map((h) => h.id)).toStrictEqual([tagged.id]);
      expect((await ctx.store.searchNotes('security')).map((h) => h.id)).toStrictEqual([filed.id]);
      expect((await ctx.store.searchNotes('certif')).map((h) => h.id)).toStrictEqual([filed.id]);
      // Only the last word is a prefix: "cert" alone in the middle matches nothing.
      expect(await ctx.store.searchNotes('cert zzz')).toStrictEqual([]);
    });

    it('filters by category', async () => {
      await ctx.store.addNote(note('restart nginx', { category: 'web' }));
      const infra = await ctx.store.addNote(note('restart the database', { category: 'infrastructure' }));
      await ctx.store.addNote(note('restart everything'));
      expect((await ctx.store.searchNotes('restart', { category: 'infrastructure' })).map((h) => h.id)).toStrictEqual([infra.id]);
      expect((await ctx.store.searchNotes('', { category: 'infrastructure' })).map((h) => h.id)).toStrictEqual([infra.id]);
      expect(await ctx.store.searchNotes('restart', { category: 'nothing' })).toStrictEqual([]);
      expect(await ctx.store.searchNotes('restart')).toHaveLength(3);
    });

    it('compares categories without ASCII case', async () => {
      const stored = await ctx.store.addNote(note('restart the database', { category: 'Infrastructure' }));
      expect((await ctx.store.searchNotes('restart', { category: 'infrastructure' })).map((h) => h.id)).toStrictEqual([stored.id]);
      expect((await ctx.store.searchNotes('', { category: 'INFRASTRUCTURE' })).map((h) => h.id)).toStrictEqual([stored.id]);
    });

    it('answers any query text with a list, never an error', async () => {
      await ctx.store.addNote(note('a note with "quotes", NEAR(things) and * stars', { tags: ['x'] }));
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 60 }), async (query) => {
          expect(Array.isArray(await ctx.store.searchNotes(query))).toBe(true);
        }),
        { numRuns: 200 },
      );
    });

    it('lists the newest notes for a query without words', async () => {
      const a = await ctx.store.addNote(note('first', { createdAt: 1000 }));
      const b = await ctx.store.addNote(note('second', { createdAt: 3000 }));
      const c = await ctx.store.addNote(note('third', { createdAt: 2000 }));
      for (const query of ['', '   ', '*', '"" -- ()']) {
        const hits = await ctx.store.searchNotes(query);
        expect(hits.map((h) => h.id), query).toStrictEqual([b.id, c.id, a.id]);
        expect(hits.every((h) => h.score === 0)).toBe(true);
      }
    });

    it('never throws on punctuation or FTS5 operators in the query', async () => {
      const target = await ctx.store.addNote(note('AND the NEAR column: "quoted" state-of-the-art -x *star*'));
      const queries = [
        '"', '""', '"unbalanced', '*', 'star*', '**', 'NEAR(', 'NEAR(a b)', 'a NEAR b', 'AND', 'OR', 'NOT',
        'a AND', 'AND b', 'NOT a', '-', '-x', 'state-of-the-art', ':', 'text:quoted', 'column:', '^start', '(', ')',
        '()', '{a b}', "'", '\\', '\0', '+', '%', 'a OR OR b', 'a\nb', ' \t ',
      ];
      for (const query of queries) {
        await expect(ctx.store.searchNotes(query), JSON.stringify(query)).resolves.toBeInstanceOf(Array);
      }
      // Operators are plain words: "AND" finds the note that contains the word.
      expect((await ctx.store.searchNotes('AND')).map((h) => h.id)).toStrictEqual([target.id]);
      expect((await ctx.store.searchNotes('text:quoted')).map((h) => h.id)).toStrictEqual([target.id]);
      expect((await ctx.store.searchNotes('NEAR(column')).map((h) => h.id)).toStrictEqual([target.id]);
    });

    it('searches unicode words, with and without diacritics', async () => {
      const fr = await ctx.store.addNote(note('Le café du serveur a redémarré'));
      const de = await ctx.store.addNote(note('Größe der Datenbank überschritten', { tags: ['überlauf'] }));
      const ru = await ctx.store.addNote(note('Диск переполнен на сервере'));
      await ctx.store.addNote(note('something else entirely'));
      expect((await ctx.store.searchNotes('cafe')).map((h) => h.id)).toStrictEqual([fr.id]);
      expect((await ctx.store.searchNotes('redémarré!')).map((h) => h.id)).toStrictEqual([fr.id]);
      expect((await ctx.store.searchNotes('GRÖSSE größe')).map((h) => h.id)).toStrictEqual([de.id]);
      expect((await ctx.store.searchNotes('überl')).map((h) => h.id)).toStrictEqual([de.id]);
      expect((await ctx.store.searchNotes('диск')).map((h) => h.id)).toStrictEqual([ru.id]);
      await expect(ctx.store.searchNotes('\u0301 🚀 日本')).resolves.toBeInstanceOf(Array);
    });

    it('returns at most the limit: 10 by default, never more than 100', async () => {
      for (let i = 0; i < 120; i++) await ctx.store.addNote(note(`batch note ${i}`, { createdAt: i }));
      expect(await ctx.store.searchNotes('batch')).toHaveLength(10);
      expect(await ctx.store.searchNotes('batch', { limit: 3 })).toHaveLength(3);
      expect(await ctx.store.searchNotes('batch', { limit: 500 })).toHaveLength(100);
      expect(await ctx.store.searchNotes('', { limit: 500 })).toHaveLength(100);
      expect(await ctx.store.searchNotes('', { limit: 0 })).toHaveLength(1);
      const newest = await ctx.store.searchNotes('', { limit: 2 });
      expect(newest.map((h) => h.text)).toStrictEqual(['batch note 119', 'batch note 118']);
    });
  });
}
