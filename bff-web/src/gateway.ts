/**
 * What the web BFF reads from the supergraph: one selection per entity, wide enough for every
 * web page, so each page is a fixed number of gateway calls, plus the TypeScript shape of
 * what comes back (the mappers of the generated resolver types).
 */

export const MONEY = 'amount currency';
export const PRODUCT = `id slug name description price { ${MONEY} } images { url width height alt } stockQuantity inStock category { id slug name productCount }`;
export const ORDER = `id number status cancelReason placedAt itemCount total { ${MONEY} } buyer { id name } items { quantity unitPrice { ${MONEY} } lineTotal { ${MONEY} } product { ${PRODUCT} } }`;
export const VIEWER = 'id name email role';
export const PAGE_INFO = 'hasNextPage hasPreviousPage startCursor endCursor';
export const USER_ERRORS = 'userErrors { field message code }';
export const SESSION = 'session { accessToken refreshToken expiresIn }';

export const connectionOf = (node: string) => `totalCount pageInfo { ${PAGE_INFO} } edges { cursor node { ${node} } }`;

export interface GatewayMoney {
  amount: number;
  currency: string;
}

export interface GatewayImage {
  url: string;
  width: number;
  height: number;
  alt: string;
}

export interface GatewayCategory {
  id: string;
  slug: string;
  name: string;
  productCount: number;
}

export interface GatewayProduct {
  id: string;
  slug: string;
  name: string;
  description: string;
  price: GatewayMoney;
  images: GatewayImage[];
  stockQuantity: number;
  inStock: boolean;
  category: GatewayCategory;
}

export interface GatewayConnection<Node> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: Array<{ cursor: string; node: Node }>;
}

export interface GatewayOrderItem {
  quantity: number;
  unitPrice: GatewayMoney;
  lineTotal: GatewayMoney;
  product: GatewayProduct | null;
}

export interface GatewayOrder {
  id: string;
  number: string;
  status: 'PENDING' | 'CONFIRMED' | 'CANCELLED' | 'SHIPPED';
  cancelReason: string | null;
  placedAt: string;
  itemCount: number;
  total: GatewayMoney;
  buyer: { id: string; name: string };
  items: GatewayOrderItem[];
}

export interface GatewayViewer {
  id: string;
  name: string;
  email: string;
  role: 'CUSTOMER' | 'ADMIN';
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
