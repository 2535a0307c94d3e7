// Readable text on a colour: black or white, whichever has the higher WCAG 2
// contrast ratio with it (black on a tie). The server decides the same way
// for the widget it serves (core::chat::contrast::text_colour); the admin
// center's live preview uses this for colours not saved yet, and its
// browser test checks that both agree once the colour is saved.

function luminance(hex) {
  const channel = (i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

// '#000000' or '#ffffff' for a '#rrggbb' colour; null for anything else.
export function textOn(colour) {
  if (!/^#[0-9a-f]{6}$/i.test(colour || '')) return null;
  const l = luminance(colour);
  const black = (l + 0.05) / 0.05;
  const white = 1.05 / (l + 0.05);
  return black >= white ? '#000000' : '#ffffff';
}
