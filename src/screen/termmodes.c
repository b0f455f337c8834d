/* termmodes: the scanner. Only modes seen turned on count as on: the attach
 * client's unconditional "leave alternate screen" would move the cursor on
 * terminals that restore a saved cursor with it. */
#include "screen/termmodes.h"

#include <string.h>

#include "base/util.h"

enum {
	TM_GROUND = 0,
	TM_ESC,         /* after ESC */
	TM_ESC_G0,      /* after ESC ( : the G0 designator follows */
	TM_CSI,         /* after ESC [ : parameters, intermediates, final */
	TM_CSI_SKIP,    /* a CSI too long to follow: skipped up to its final byte */
	TM_OSC,         /* OSC: its number, then its text */
	TM_STRING,      /* DCS/APC/PM/SOS: skipped up to BEL or ST */
	TM_STRING_ESC,  /* ESC inside a string: ST, or a new sequence */
	TM_OSC_ESC,     /* the same inside an OSC */
};

#define TM_PARAM_MAX 100000u
#define NOT_DEC (~0u) /* a number no parameter reaches (they stop at TM_PARAM_MAX) */

static const struct {
	unsigned num;
	uint32_t bit;
	bool on_when_set; /* false: the mode counts as "on" when reset (?7l, ?25l) */
	const char *set;  /* what turns it on, for a repaint */
	const char *reset;
} mode_table[] = {
	/* The alternate screen first: what is reset after it lands on the user's screen. */
	{1049, TERM_MODE_ALT1049, true, "\033[?1049h", "\033[?1049l"},
	{1047, TERM_MODE_ALT1047, true, "\033[?1047h", "\033[?1047l"},
	{47, TERM_MODE_ALT47, true, "\033[?47h", "\033[?47l"},
	{9, TERM_MODE_MOUSE9, true, "\033[?9h", "\033[?9l"},
	{1000, TERM_MODE_MOUSE1000, true, "\033[?1000h", "\033[?1000l"},
	{1001, TERM_MODE_MOUSE1001, true, "\033[?1001h", "\033[?1001l"},
	{1002, TERM_MODE_MOUSE1002, true, "\033[?1002h", "\033[?1002l"},
	{1003, TERM_MODE_MOUSE1003, true, "\033[?1003h", "\033[?1003l"},
	{1005, TERM_MODE_MOUSE1005, true, "\033[?1005h", "\033[?1005l"},
	{1006, TERM_MODE_MOUSE1006, true, "\033[?1006h", "\033[?1006l"},
	{1015, TERM_MODE_MOUSE1015, true, "\033[?1015h", "\033[?1015l"},
	{1016, TERM_MODE_MOUSE1016, true, "\033[?1016h", "\033[?1016l"},
	{1004, TERM_MODE_FOCUS, true, "\033[?1004h", "\033[?1004l"},
	{2004, TERM_MODE_PASTE, true, "\033[?2004h", "\033[?2004l"},
	{1, TERM_MODE_CKM, true, "\033[?1h", "\033[?1l"},
	{NOT_DEC, TERM_MODE_KEYPAD, true, "\033=", "\033>"}, /* ESC = / ESC >, not a DEC mode */
	{7, TERM_MODE_NOWRAP, false, "\033[?7l", "\033[?7h"},
	{25, TERM_MODE_HIDDEN, false, "\033[?25l", "\033[?25h"},
};

void term_modes_init(struct term_modes *m)
{
	memset(m, 0, sizeof(*m));
	m->state = TM_GROUND;
}

void term_modes_resized(struct term_modes *m)
{
	m->scroll_top = m->scroll_bottom = 0;
}

static void apply_private(struct term_modes *m, bool set)
{
	for (unsigned i = 0; i < m->nparams; i++)
		for (size_t j = 0; j < ARRAY_SIZE(mode_table); j++) {
			if (mode_table[j].num != m->params[i])
				continue;
			if (set == mode_table[j].on_when_set)
				m->on |= mode_table[j].bit;
			else
				m->on &= ~mode_table[j].bit;
		}
}

/* DECSTBM: "CSI t ; b r"; no parameters, or the whole screen, drop the region. */
static void apply_region(struct term_modes *m)
{
	unsigned top = m->nparams > 0 ? m->params[0] : 0;
	unsigned bottom = m->nparams > 1 ? m->params[1] : 0;
	if (top <= 1 && bottom == 0) {
		term_modes_resized(m);
		return;
	}
	if (top == 0)
		top = 1;
	if (bottom != 0 && bottom <= top)
		return; /* the terminal ignores an empty region */
	m->scroll_top = top;
	m->scroll_bottom = bottom;
}

static void csi_final(struct term_modes *m, unsigned char c)
{
	m->state = TM_GROUND;
	if (m->csi_other)
		return;
	if (m->csi_private && (c == 'h' || c == 'l'))
		apply_private(m, c == 'h');
	else if (!m->csi_private && c == 'r')
		apply_region(m);
}

static void csi_byte(struct term_modes *m, unsigned char c)
{
	if (c >= '0' && c <= '9') {
		if (m->nparams == 0)
			m->nparams = 1;
		unsigned *v = &m->params[m->nparams - 1];
		if (*v < TM_PARAM_MAX)
			*v = *v * 10 + (unsigned)(c - '0');
	} else if (c == ';') {
		if (m->nparams == 0)
			m->params[m->nparams++] = 0;
		if (m->nparams < ARRAY_SIZE(m->params))
			m->params[m->nparams++] = 0;
		else
			m->state = TM_CSI_SKIP; /* absurdly long: ignore it */
	} else if (c == '?' && m->nparams == 0 && !m->csi_private) {
		m->csi_private = true;
	} else if (c >= 0x20 && c <= 0x3f) {
		m->csi_other = true; /* another prefix, ':' sub-parameters, an intermediate */
	} else if (c >= 0x40 && c <= 0x7e) {
		csi_final(m, c);
	} else if (c == 0x1b) {
		m->state = TM_ESC;
	} else if (c == 0x18 || c == 0x1a) {
		m->state = TM_GROUND; /* CAN/SUB abort a sequence */
	}
	/* other C0 controls execute inside a CSI without ending it */
}

static void osc_end(struct term_modes *m)
{
	if (m->osc_title) {
		memcpy(m->title, m->osc_buf, m->osc_len);
		m->title[m->osc_len] = '\0';
	}
	m->state = TM_GROUND;
}

static void osc_byte(struct term_modes *m, unsigned char c)
{
	if (c == 0x07) {
		osc_end(m);
	} else if (c == 0x1b) {
		m->state = TM_OSC_ESC;
	} else if (c == 0x18 || c == 0x1a) {
		m->state = TM_GROUND;
	} else if (m->osc_num != ~0u) {
		/* still reading the number */
		if (c >= '0' && c <= '9' && m->osc_num < TM_PARAM_MAX)
			m->osc_num = m->osc_num * 10 + (unsigned)(c - '0');
		else if (c == ';') {
			m->osc_title = m->osc_num == 0 || m->osc_num == 2;
			m->osc_num = ~0u;
		} else
			m->osc_num = TM_PARAM_MAX; /* not a number we know */
	} else if (m->osc_title && m->osc_len + 1 < sizeof(m->osc_buf)) {
		m->osc_buf[m->osc_len++] = (char)c;
	}
}

static void esc_byte(struct term_modes *m, unsigned char c)
{
	m->state = TM_GROUND;
	switch (c) {
	case '[':
		m->state = TM_CSI;
		m->nparams = 0;
		m->params[0] = 0;
		m->csi_private = m->csi_other = false;
		break;
	case ']':
		m->state = TM_OSC;
		m->osc_num = 0;
		m->osc_len = 0;
		m->osc_title = false;
		break;
	case 'P': case '_': case '^': case 'X':
		m->state = TM_STRING;
		break;
	case '(':
		m->state = TM_ESC_G0;
		break;
	case '=':
		m->on |= TERM_MODE_KEYPAD;
		break;
	case '>':
		m->on &= ~TERM_MODE_KEYPAD;
		break;
	case 'c': /* RIS: the terminal resets everything itself, but its title */
		m->on = 0;
		m->g0_graphics = false;
		term_modes_resized(m);
		break;
	case 0x1b:
		m->state = TM_ESC;
		break;
	default:
		break;
	}
}

/* Inside a sequence we do not follow: it ends at its own end byte or at
 * CAN/SUB; an ESC starts over (on_esc says in which state). */
static void skip_byte(struct term_modes *m, unsigned char c, bool is_end, int on_esc)
{
	if (is_end || c == 0x18 || c == 0x1a)
		m->state = TM_GROUND;
	else if (c == 0x1b)
		m->state = on_esc;
}

void term_modes_feed(struct term_modes *m, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		switch (m->state) {
		case TM_GROUND:
			if (c == 0x1b)
				m->state = TM_ESC;
			break;
		case TM_ESC:
			esc_byte(m, c);
			break;
		case TM_ESC_G0:
			m->g0_graphics = c == '0';
			m->state = c == 0x1b ? TM_ESC : TM_GROUND;
			break;
		case TM_CSI:
			csi_byte(m, c);
			break;
		case TM_CSI_SKIP:
			skip_byte(m, c, c >= 0x40 && c <= 0x7e, TM_ESC);
			break;
		case TM_OSC:
			osc_byte(m, c);
			break;
		case TM_STRING:
			skip_byte(m, c, c == 0x07, TM_STRING_ESC);
			break;
		case TM_STRING_ESC:
		case TM_OSC_ESC:
			/* ESC \ ends the string; any other ESC starts a new sequence, as in xterm. */
			if (c != '\\')
				esc_byte(m, c);
			else if (m->state == TM_OSC_ESC)
				osc_end(m);
			else
				m->state = TM_GROUND;
			break;
		default:
			m->state = TM_GROUND;
			break;
		}
	}
}

static size_t append(char *buf, size_t cap, size_t len, const char *s)
{
	size_t n = strlen(s);
	if (len + n + 1 > cap)
		return len;
	memcpy(buf + len, s, n + 1);
	return len + n;
}

/* The set (or reset) sequences of the modes on in m, but those in skip, in
 * table order. */
static size_t modes_seq(const struct term_modes *m, bool set, uint32_t skip, char *buf, size_t cap)
{
	size_t len = 0;
	if (cap > 0)
		buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(mode_table); i++) {
		uint32_t bit = mode_table[i].bit;
		if ((m->on & bit) && !(bit & skip))
			len = append(buf, cap, len, set ? mode_table[i].set : mode_table[i].reset);
	}
	return len;
}

size_t term_modes_reset_seq(const struct term_modes *m, char *buf, size_t cap)
{
	return modes_seq(m, false, 0, buf, cap);
}

size_t term_modes_set_seq(const struct term_modes *m, char *buf, size_t cap)
{
	return modes_seq(m, true, TERM_MODE_ALTSCREEN | TERM_MODE_HIDDEN, buf, cap);
}
