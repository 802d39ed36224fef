import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decodePythonBytesLiteral, readReddit, readTweets } from './signals.bench.ts';

const folder = mkdtempSync(join(tmpdir(), 'runecast-signals-bench-'));
after(() => rmSync(folder, { recursive: true, force: true }));

describe('archived text readers', () => {
  test('bytes literals decode to UTF-8 text; anything else is refused', () => {
    assert.equal(decodePythonBytesLiteral("b'Ether \\xe2\\x80\\x94 up again'"), 'Ether — up again');
    assert.equal(decodePythonBytesLiteral('b"It\'s a \\"rally\\"\\nsays one"'), 'It\'s a "rally"\nsays one');
    assert.equal(decodePythonBytesLiteral('plain text'), null);
    assert.equal(decodePythonBytesLiteral("b'unterminated"), null);
  });

  test('tweets: good rows kept, bad rows rejected with their reason and counted, repeats skipped', () => {
    const lines = [
      'id,created_at,text',
      "100000000000000001,2017-10-02 08:15:00,b'Bitcoin rallies to a new high'",
      '100000000000000002,2017-10-02 09:00:30,"b""Exchange hacked, funds lost"""',
      "not-an-id,2017-10-02 09:10:00,b'no id'",
      "100000000000000003,2017-02-30 10:00:00,b'no such day'",
      '100000000000000004,2017-10-02 11:00:00,just words',
      '100000000000000005,2017-10-02 12:00:00,',
      "100000000000000001,2017-10-02 08:15:00,b'Bitcoin rallies to a new high'",
    ];
    const path = join(folder, 'outlet_tweets.csv');
    // The real files end their lines in \r\r\n: the reader must not split a row in two.
    writeFileSync(path, `${lines.join('\r\r\n')}\r\r\n`);
    const { items, report } = readTweets(path, new Set());
    assert.deepEqual(
      items.map((item) => [item.id, item.publishedAtMs, item.body, item.channel]),
      [
        ['100000000000000001', Date.UTC(2017, 9, 2, 8, 15), 'Bitcoin rallies to a new high', 'outlet'],
        ['100000000000000002', Date.UTC(2017, 9, 2, 9, 0, 30), 'Exchange hacked, funds lost', 'outlet'],
      ],
    );
    assert.equal(report.rows, 7);
    assert.equal(report.accepted, 2);
    assert.equal(report.duplicates, 1);
    assert.deepEqual(Object.fromEntries(report.rejected), {
      'id is not a tweet id': 1,
      'created_at is not a time': 1,
      'text is not a bytes literal': 1,
      'no text': 1,
    });
    assert.match(report.examples[0]!, /^outlet_tweets\.csv row 4: id is not a tweet id$/);
  });

  test('Reddit: local UTC+1 times moved to UTC, deleted and malformed rows rejected, repeats across runs skipped', () => {
    const reddit = join(folder, 'reddit');
    mkdirSync(reddit, { recursive: true });
    const commentsHeader =
      'post_id,subreddit,comment_id,author,created_utc,body,score,is_submitter,distinguished,parent_id,depth';
    const postsHeader =
      'subreddit,post_id,title,author,created_utc,score,upvote_ratio,num_comments,url,permalink,selftext,link_flair_text,is_self,distinguished,stickied';
    const write = (name: string, rows: string[]) => {
      writeFileSync(join(reddit, name), gzipSync(rows.join('\n')));
    };
    write('crypto_comments_20251010_120000.csv.gz', [
      commentsHeader,
      'pst0001,Bitcoin,cmt0001,someone,2025-10-10T13:30:00,"Buying the dip,\nagain",5,False,,t3_p1,0',
      'pst0001,Bitcoin,cmt0002,someone,2025-10-10T13:31:00,[deleted],1,False,,t3_p1,0',
      'pst0001,Bitcoin,cmt0003,someone,yesterday,words,1,False,,t3_p1,0',
      'pst0001,,cmt0004,someone,2025-10-10T13:33:00,words,1,False,,t3_p1,0',
    ]);
    write('crypto_comments_20251011_120000.csv.gz', [
      commentsHeader,
      'pst0001,Bitcoin,cmt0001,someone,2025-10-10T13:30:00,"Buying the dip,\nagain",9,False,,t3_p1,0',
    ]);
    write('crypto_posts_20251010_120000.csv.gz', [
      postsHeader,
      'cryptocurrency,pst0001,Market looks bearish,someone,2025-10-10T12:00:00,50,0.9,3,u,l,,NEWS,False,,False',
    ]);
    writeFileSync(join(reddit, 'notes.txt'), 'not read');
    const { items, reports } = readReddit(reddit);
    assert.deepEqual(
      items.map((item) => [item.id, item.channel, item.publishedAtMs, item.title, item.body]),
      [
        ['cmt0001', 'bitcoin', Date.UTC(2025, 9, 10, 12, 30), null, 'Buying the dip,\nagain'],
        ['pst0001', 'cryptocurrency', Date.UTC(2025, 9, 10, 11, 0), 'Market looks bearish', ''],
      ],
    );
    assert.deepEqual(
      reports.map((report) => [report.file, report.rows, report.accepted, report.duplicates]),
      [
        ['crypto_comments_20251010_120000.csv.gz', 4, 1, 0],
        ['crypto_comments_20251011_120000.csv.gz', 1, 0, 1],
        ['crypto_posts_20251010_120000.csv.gz', 1, 1, 0],
      ],
    );
    assert.deepEqual(Object.fromEntries(reports[0]!.rejected), {
      'deleted or removed': 1,
      'created_utc is not a time': 1,
      'no subreddit': 1,
    });
  });
});
