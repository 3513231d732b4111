// Markdown rendering for chat answers and live-traffic details: markdown-it (pinned in
// web/package.json, embedded as /assets/markdown-it.min.js, which defines window.markdownit)
// with raw HTML disabled, so model output can format text but never inject markup.
const md = window.markdownit({ html: false, linkify: true, breaks: false, typographer: false });

// Links in answers open in a new tab and never pass the page's context to the target.
const defaultLinkOpen = md.renderer.rules.link_open
  ?? ((tokens, idx, options, env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx].attrSet('target', '_blank');
  tokens[idx].attrSet('rel', 'noopener noreferrer');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

/// Renders `text` into `el` (replacing its content).
export function renderMarkdown(el, text) {
  el.classList.add('markdown');
  el.innerHTML = md.render(String(text ?? ''));
}
