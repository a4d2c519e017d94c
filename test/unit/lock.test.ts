import { describe, expect, it } from 'vitest';
import { Mutex } from '../../src/storage/lock.ts';

describe('Mutex', () => {
  it('runs holders one at a time, in arrival order', async () => {
    const lock = new Mutex();
    const events: string[] = [];
    const hold = (name: string, ms: number) =>
      lock.run(async () => {
        events.push(`${name}+`);
        await new Promise((r) => setTimeout(r, ms));
        events.push(`${name}-`);
      });
    await Promise.all([hold('a', 20), hold('b', 1), hold('c', 5)]);
    expect(events).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
  });

  it('is released when the holder throws', async () => {
    const lock = new Mutex();
    await expect(lock.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run(async () => 'next')).resolves.toBe('next');
  });

  it('ignores a second release', async () => {
    const lock = new Mutex();
    const release = await lock.acquire();
    release();
    release();
    const order: number[] = [];
    await Promise.all([lock.run(async () => order.push(1)), lock.run(async () => order.push(2))]);
    expect(order).toEqual([1, 2]);
  });
});
