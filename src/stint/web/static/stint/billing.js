// My Account's payment forms (buying, changing plan, changing the payment method): the card brand as the number is
// typed, inline checks of the card fields, card fields only for card payments, and bank transfer and check only with
// annual plans. The forms work without this file; the server checks everything again. Nothing typed is stored or
// sent anywhere but with the form.
(function () {
  "use strict";

  var BRANDS = { visa: "Visa", mastercard: "MasterCard", amex: "American Express" };
  var LENGTHS = { visa: [13, 16, 19], mastercard: [16], amex: [15] };
  var CVC_LENGTH = { visa: 3, mastercard: 3, amex: 4 };

  function digitsOf(value) {
    var compact = value.replace(/[\s-]+/g, "");
    return /^[0-9]*$/.test(compact) ? compact : null;
  }

  // The same prefixes as stint.billing.gateways.cards.card_brand: null for other brands, or while too early to tell.
  function cardBrand(digits) {
    if (!digits) return null;
    if (digits.charAt(0) === "4") return "visa";
    var two = digits.slice(0, 2);
    if (two === "34" || two === "37") return "amex";
    if (digits.length >= 2 && +two >= 51 && +two <= 55) return "mastercard";
    if (digits.length >= 4 && +digits.slice(0, 4) >= 2221 && +digits.slice(0, 4) <= 2720) return "mastercard";
    return null;
  }

  // Could more digits still make an accepted brand? ("3", "5", "2", "22", "272", ...)
  function mayBecomeAccepted(digits) {
    if (digits.length >= 4) return false;
    if (digits === "3" || digits === "5") return true;
    if (digits.charAt(0) !== "2") return false;
    var pad = 4 - digits.length;
    var low = +(digits + "0000".slice(0, pad));
    var high = +(digits + "9999".slice(0, pad));
    return high >= 2221 && low <= 2720;
  }

  function luhnValid(digits) {
    var total = 0;
    for (var i = 0; i < digits.length; i++) {
      var value = +digits.charAt(digits.length - 1 - i);
      if (i % 2 === 1) {
        value *= 2;
        if (value > 9) value -= 9;
      }
      total += value;
    }
    return total % 10 === 0;
  }

  // What is wrong with the number so far ("" when nothing is, or when it is too early to say).
  function numberProblem(raw, finished) {
    var digits = digitsOf(raw);
    if (digits === null) return "A card number has only digits (spaces and dashes are fine); check what was typed.";
    if (!digits) return finished ? "Enter the card number." : "";
    var brand = cardBrand(digits);
    if (!brand) {
      if (!finished && mayBecomeAccepted(digits)) return "";
      return "We accept Visa, MasterCard and American Express cards only; please use one of those.";
    }
    if (!finished) return "";
    var lengths = LENGTHS[brand];
    if (lengths.indexOf(digits.length) === -1) {
      var words = lengths.length > 1 ? lengths.slice(0, -1).join(", ") + " or " + lengths[lengths.length - 1] : lengths[0];
      return "A " + BRANDS[brand] + " card number has " + words + " digits; check it for a missing or extra digit.";
    }
    if (!luhnValid(digits)) return "This card number is not valid; check it for a mistyped digit.";
    return "";
  }

  function monthProblem(raw) {
    var value = raw.trim();
    if (!value) return "Enter the card's expiry month.";
    if (!/^[0-9]{1,2}$/.test(value) || +value < 1 || +value > 12) {
      return "The expiry month is a number from 1 to 12, as printed on the card.";
    }
    return "";
  }

  function yearProblem(raw) {
    var value = raw.trim();
    if (!value) return "Enter the card's expiry year.";
    if (!/^([0-9]{2}|[0-9]{4})$/.test(value)) return "The expiry year has 4 digits (or 2, as printed on the card), like 2029.";
    return "";
  }

  function cvcProblem(raw, brand) {
    var value = raw.trim();
    var length = CVC_LENGTH[brand] || 0;
    if (!value) return "Enter the card's security code.";
    if (!/^[0-9]+$/.test(value) || (length && value.length !== length)) {
      return length
        ? "The security code (CVC) of a " + BRANDS[brand] + " card has " + length + " digits."
        : "The security code (CVC) has 3 or 4 digits.";
    }
    return "";
  }

  function setup(form) {
    var number = form.querySelector("[data-card-number]");
    var brandOut = form.querySelector("[data-card-brand]");
    var cvc = form.querySelector("[data-card-cvc]");
    var cvcHelp = form.querySelector("[data-cvc-help]");
    var cardFields = form.querySelector("[data-card-fields]");
    var annualOnly = form.querySelectorAll("[data-annual-only]");
    var annualNote = form.querySelector("[data-annual-note]");
    var offers = form.querySelectorAll("input[name='offer'][data-interval]");
    var month = form.querySelector("input[name='exp_month']");
    var year = form.querySelector("input[name='exp_year']");

    function errorSlot(name) {
      return form.querySelector("[data-card-error='" + name + "']");
    }

    // Show (or clear) our own inline message for a field; the server's message, if any, gives way to it.
    function show(input, name, message) {
      var slot = errorSlot(name);
      if (!input || !slot) return;
      var serverError = document.getElementById(input.id + "_error");
      slot.textContent = "";
      if (message) {
        var item = document.createElement("li");
        item.textContent = message;
        slot.appendChild(item);
        if (serverError) serverError.hidden = true;
      }
      slot.hidden = !message;
      slot.id = input.id + "_live_error";
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id !== slot.id;
      });
      if (message) described.push(slot.id);
      input.setAttribute("aria-describedby", described.join(" "));
      if (message) input.setAttribute("aria-invalid", "true");
      else if (!serverError || serverError.hidden) input.removeAttribute("aria-invalid");
    }

    function currentBrand() {
      return number ? cardBrand(digitsOf(number.value) || "") : null;
    }

    function showBrand() {
      if (!number || !brandOut) return;
      var digits = digitsOf(number.value);
      var brand = cardBrand(digits || "");
      brandOut.classList.remove("card-brand--refused");
      if (brand) {
        brandOut.textContent = BRANDS[brand];
      } else if (digits && !mayBecomeAccepted(digits)) {
        brandOut.textContent = "Not accepted";
        brandOut.classList.add("card-brand--refused");
      } else {
        brandOut.textContent = "";
      }
      if (cvc) {
        var length = CVC_LENGTH[brand] || 4;
        cvc.setAttribute("maxlength", String(length));
        if (cvcHelp) {
          cvcHelp.textContent =
            brand === "amex"
              ? "4 digits, printed on the front of the card above the number."
              : brand
                ? "3 digits, on the back of the card next to the signature strip."
                : "3 digits on the back; 4 on the front of an American Express card.";
        }
      }
      // While typing, only say what can no longer become right (an unaccepted brand, a letter).
      show(number, "number", numberProblem(number.value, false));
    }

    function method() {
      var checked = form.querySelector("input[name='payment_method']:checked");
      return checked ? checked.value : "card";
    }

    function syncMethod() {
      if (cardFields) cardFields.hidden = method() !== "card";
    }

    function syncInterval() {
      if (!offers.length) return;
      var chosen = form.querySelector("input[name='offer']:checked");
      var annual = !chosen || chosen.getAttribute("data-interval") === "year";
      var lost = false;
      annualOnly.forEach(function (radio) {
        radio.disabled = !annual;
        if (!annual && radio.checked) {
          radio.checked = false;
          lost = true;
        }
      });
      if (lost) {
        // Back to the payment method on file if a monthly plan can keep it, else to a card.
        var keep = form.querySelector("input[name='payment_method'][value='current']");
        var card = form.querySelector("input[name='payment_method'][value='card']");
        var fallback = keep && !keep.disabled ? keep : card;
        if (fallback) fallback.checked = true;
      }
      if (annualNote) annualNote.hidden = annual;
      syncMethod();
    }

    if (number) {
      number.addEventListener("input", showBrand);
      number.addEventListener("blur", function () {
        if (number.value) show(number, "number", numberProblem(number.value, true));
      });
      showBrand();
    }
    if (month) month.addEventListener("blur", function () { if (month.value) show(month, "exp_month", monthProblem(month.value)); });
    if (year) year.addEventListener("blur", function () { if (year.value) show(year, "exp_year", yearProblem(year.value)); });
    if (cvc) cvc.addEventListener("blur", function () { if (cvc.value) show(cvc, "cvc", cvcProblem(cvc.value, currentBrand())); });

    form.querySelectorAll("input[name='payment_method']").forEach(function (radio) {
      radio.addEventListener("change", syncMethod);
    });
    offers.forEach(function (radio) {
      radio.addEventListener("change", syncInterval);
    });
    syncInterval();
    syncMethod();

    // A card form with a mistake the browser can see is not sent: the number would have to be typed again.
    form.addEventListener("submit", function (event) {
      if (!number || method() !== "card") return;
      var checks = [
        [number, "number", numberProblem(number.value, true)],
        [month, "exp_month", month ? monthProblem(month.value) : ""],
        [year, "exp_year", year ? yearProblem(year.value) : ""],
        [cvc, "cvc", cvc ? cvcProblem(cvc.value, currentBrand()) : ""],
      ];
      var first = null;
      checks.forEach(function (check) {
        show(check[0], check[1], check[2]);
        if (check[2] && !first) first = check[0];
      });
      if (first) {
        event.preventDefault();
        first.focus();
      }
    });
  }

  // With Stripe as the gateway the card is typed into Stripe's card element (Stripe.js from js.stripe.com), and on
  // sending we ask Stripe for a payment method and send only its id. The server checks the brand again.
  function setupStripe(form) {
    var fields = form.querySelector("[data-stripe-key]");
    var mount = form.querySelector("[data-stripe-card]");
    var token = form.querySelector("[data-stripe-token]");
    var brandOut = form.querySelector("[data-card-brand]");
    var slot = form.querySelector("[data-card-error='token']");
    if (!fields || !mount || !token) return;

    function say(message) {
      if (!slot) return;
      slot.textContent = "";
      if (message) {
        var item = document.createElement("li");
        item.textContent = message;
        slot.appendChild(item);
      }
      slot.hidden = !message;
    }

    function method() {
      var checked = form.querySelector("input[name='payment_method']:checked");
      return checked ? checked.value : "card";
    }

    if (typeof window.Stripe !== "function") {
      say("The card form could not be loaded from Stripe (js.stripe.com): check the connection and reload the page, or choose another payment method.");
      form.addEventListener("submit", function (event) {
        if (method() === "card") event.preventDefault();
      });
      return;
    }
    var stripe = window.Stripe(fields.getAttribute("data-stripe-key"));
    var card = stripe.elements().create("card", { hidePostalCode: true });
    card.mount(mount);
    var refusedBrand = false;
    card.on("change", function (event) {
      var brand = event.brand && event.brand !== "unknown" ? event.brand : null;
      refusedBrand = !!brand && !BRANDS[brand];
      if (brandOut) {
        brandOut.textContent = brand ? BRANDS[brand] || "Not accepted" : "";
        brandOut.classList.toggle("card-brand--refused", refusedBrand);
      }
      if (refusedBrand) say("We accept Visa, MasterCard and American Express cards only; please use one of those.");
      else say(event.error ? event.error.message : "");
    });

    var sending = false;
    form.addEventListener("submit", function (event) {
      if (method() !== "card" || token.value) return;
      event.preventDefault();
      if (refusedBrand || sending) return;
      sending = true;
      stripe.createPaymentMethod({ type: "card", card: card }).then(function (result) {
        sending = false;
        if (result.error) {
          say(result.error.message);
          card.focus();
          return;
        }
        token.value = result.paymentMethod.id;
        form.submit();
      });
    });
  }

  document.querySelectorAll("form[data-billing-form]").forEach(setup);
  document.querySelectorAll("form[data-billing-form]").forEach(setupStripe);
})();
