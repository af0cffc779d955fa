/** Where the built app is. */
export declare const distDir: string;
/** Builds the app with Vite when its inputs changed since the last build; true when it built. */
export declare function buildWebApp(options?: { force?: boolean }): Promise<boolean>;
