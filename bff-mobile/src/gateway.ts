/**
 * What the mobile BFF reads from the supergraph: narrow selections (a tile needs no
 * description, an order row no lines), so each screen is one small gateway call, plus the
 * TypeScript shape of what comes back (the mappers of the generated resolver types).
 */

export const MONEY = 'amount currency';
export const PRODUCT_TILE = `id name price { ${MONEY} } images { url } inStock`;
export const PRODUCT = `id name description price { ${MONEY} } images { url } stockQuantity inStock`;
export const ORDER_SUMMARY = `id number status cancelReason placedAt itemCount total { ${MONEY} } buyer { id }`;
export const CATEGORY = 'id name';
export const USER = 'id name';
export const PAGE_INFO = 'hasNextPage endCursor';
export const USER_ERRORS = 'userErrors { field message code }';
export const SESSION = 'session { accessToken refreshToken expiresIn }';

/** A page of `node`s as the supergraph's connections offer it: nodes and where the next page starts. */
export const pageOf = (node: string) => `nodes { ${node} } pageInfo { ${PAGE_INFO} }`;

export interface GatewayMoney {
  amount: number;
  currency: string;
}

export interface GatewayCategory {
  id: string;
  name: string;
}

export interface GatewayProductTile {
  id: string;
  name: string;
  price: GatewayMoney;
  images: Array<{ url: string }>;
  inStock: boolean;
}

export interface GatewayProduct extends GatewayProductTile {
  description: string;
  stockQuantity: number;
}

export interface GatewayPage<Node> {
  nodes: Node[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface GatewayOrderSummary {
  id: string;
  number: string;
  status: 'PENDING' | 'CONFIRMED' | 'CANCELLED' | 'SHIPPED';
  cancelReason: string | null;
  placedAt: string;
  itemCount: number;
  total: GatewayMoney;
  buyer: { id: string };
}

/** The home screen's parent value: each of its fields reads its own part, in one batch. */
export type HomeScreen = Record<string, never>;

export interface GatewayUser {
  id: string;
  name: string;
}

export interface GatewayUserError {
  field: string | null;
  message: string;
  code: string;
}

export interface GatewaySession {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}
