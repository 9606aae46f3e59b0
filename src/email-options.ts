/** Email the site sends (password resets, form submissions, moderation notices) through Amazon SES. */
export interface EmailOptions {
  /** The address every message is sent from; SES must have it (or its domain) verified. */
  readonly fromAddress: string;
  /**
   * The SES identity the sender uses: `fromAddress` itself, its domain or a parent domain of it.
   * @default - the address or its domain, whichever SES has verified
   */
  readonly identity?: string;
}
