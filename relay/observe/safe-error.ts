/** An error reduced to what may be logged: its class and code, not its message (which may quote data). */
export function safeError(error: unknown): { name: string; code: string | undefined } {
  if (error instanceof Error) return { name: error.name, code: (error as { code?: string }).code };
  return { name: typeof error, code: undefined };
}
