/** Event the product card's Buy button dispatches on window; the shop controller listens and opens the buy sheet. */
export const BUY_EVENT = 'storecast:buy';
export interface BuyEventDetail {
  productId: string;
  showId: string | null;
}
