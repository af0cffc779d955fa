import { Route, Routes } from 'react-router';
import { Layout } from './components/Layout.js';
import { AccountPage } from './pages/AccountPage.js';
import { AdminProductPage } from './pages/AdminProductPage.js';
import { CartPage } from './pages/CartPage.js';
import { CatalogPage } from './pages/CatalogPage.js';
import { NotFoundPage } from './pages/NotFoundPage.js';
import { OrderPage } from './pages/OrderPage.js';
import { ProductPage } from './pages/ProductPage.js';
import { SignInPage } from './pages/SignInPage.js';
import { SignUpPage } from './pages/SignUpPage.js';

export function App() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<CatalogPage />} />
        <Route path="products/:slug" element={<ProductPage />} />
        <Route path="cart" element={<CartPage />} />
        <Route path="signin" element={<SignInPage />} />
        <Route path="signup" element={<SignUpPage />} />
        <Route path="account" element={<AccountPage />} />
        <Route path="orders/:id" element={<OrderPage />} />
        <Route path="admin/products/:slug" element={<AdminProductPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
