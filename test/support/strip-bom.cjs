// strip-bom ships as ESM only, which jest's CommonJS runtime cannot load; @microsoft/app-manifest requires it.
function stripBom(text) {
  return typeof text === 'string' && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
module.exports = stripBom;
module.exports.default = stripBom;
