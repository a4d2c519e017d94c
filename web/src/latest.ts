// Only the latest of a page's loads may fill it: when filters change while
// an earlier request is still on its way, its late answer is dropped.
export function latestOnly() {
  let current = 0;
  return {
    /** Starts a load; the returned function says whether it is still the latest. */
    start(): () => boolean {
      const mine = ++current;
      return () => mine === current;
    },
  };
}
