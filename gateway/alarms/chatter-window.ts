/**
 * Recent activations of each alarm in elapsed time: chattering is judged over a window of them, so
 * a clock step neither hides nor invents it.
 */
export class ChatterWindow {
  readonly #activations = new Map<string, number[]>();

  /** Records an activation at `at` (monotonic ms) and returns the activations within `windowMs` before it, this one included. */
  activate(key: string, at: number, windowMs: number): number[] {
    const recent = [...(this.#activations.get(key) ?? []).filter((t) => t > at - windowMs), at];
    this.#activations.set(key, recent);
    return recent;
  }
}
