/* The editor side of the plugin's two dynamic blocks: a placeholder (the page renders them on
 * the server) and, for bought-together, the product id field. Plain script, no build step. */
(function (blocks, element, components, blockEditor, i18n) {
  const el = element.createElement;
  const __ = i18n.__;
  const placeholder = (label, help) => el(components.Placeholder, {label: label, instructions: help});
  blocks.registerBlockType("rapport/loyalty", {
    title: __("Rapport loyalty", "rapport"),
    icon: "star-filled",
    category: "widgets",
    edit: () => placeholder(__("Rapport loyalty", "rapport"),
      __("The shopper's points, tier and rewards appear here on the site.", "rapport")),
    save: () => null,
  });
  blocks.registerBlockType("rapport/bought-together", {
    title: __("Rapport: bought together", "rapport"),
    icon: "products",
    category: "widgets",
    attributes: {product: {type: "string", default: ""}},
    edit: (props) => el("div", blockEditor.useBlockProps(),
      placeholder(__("Rapport: bought together", "rapport"),
        __("Products often bought with this one. Leave the id empty on a product page.", "rapport")),
      el(components.TextControl, {
        label: __("Product id (WooCommerce)", "rapport"), value: props.attributes.product,
        onChange: (value) => props.setAttributes({product: value}),
      })),
    save: () => null,
  });
})(window.wp.blocks, window.wp.element, window.wp.components, window.wp.blockEditor, window.wp.i18n);
